ALTER TABLE "UploadSession" ADD COLUMN "partSize" BIGINT;
