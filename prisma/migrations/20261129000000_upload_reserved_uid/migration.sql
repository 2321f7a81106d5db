-- S3 uploads write their bytes straight to the key their artifact will have (one write per byte): the uid it reserves.
ALTER TABLE "UploadSession" ADD COLUMN "reservedUid" VARCHAR(20);
