-- Folder uploads: a session declares its files, each received on its own and promoted into the folder at commit.
ALTER TABLE "UploadSession" ADD COLUMN "nFiles" INTEGER;
ALTER TABLE "UploadSession" ADD COLUMN "filesReceived" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "UploadFile" (
    "id" SERIAL NOT NULL,
    "uploadId" INTEGER NOT NULL,
    "path" TEXT NOT NULL,
    "expectedSize" BIGINT NOT NULL,
    "stagingKey" TEXT,
    "size" BIGINT,
    "hash" VARCHAR(22),
    "hashType" TEXT,
    "staged" JSONB,
    CONSTRAINT "UploadFile_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "UploadFile_uploadId_path_key" ON "UploadFile"("uploadId", "path");

ALTER TABLE "UploadFile" ADD CONSTRAINT "UploadFile_uploadId_fkey" FOREIGN KEY ("uploadId") REFERENCES "UploadSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;
