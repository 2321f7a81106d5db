-- Full-content checksum for sha1-fl hashes.
ALTER TABLE "Artifact" ADD COLUMN "fullChecksum" TEXT;

-- CreateEnum
CREATE TYPE "UploadStatus" AS ENUM ('OPEN', 'RECEIVED', 'COMMITTED', 'ABORTED');

-- CreateEnum
CREATE TYPE "StorageOperationKind" AS ENUM ('PROMOTE', 'DELETE');

-- CreateTable
CREATE TABLE "UploadSession" (
    "id" SERIAL NOT NULL,
    "uploadId" VARCHAR(24) NOT NULL,
    "storageId" INTEGER NOT NULL,
    "stagingKey" TEXT NOT NULL,
    "fileName" TEXT,
    "expectedSize" BIGINT,
    "status" "UploadStatus" NOT NULL DEFAULT 'OPEN',
    "size" BIGINT,
    "hash" VARCHAR(22),
    "hashType" TEXT,
    "fullChecksum" TEXT,
    "s3MultipartId" TEXT,
    "createdById" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UploadSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StorageOperation" (
    "id" SERIAL NOT NULL,
    "kind" "StorageOperationKind" NOT NULL,
    "storageId" INTEGER NOT NULL,
    "artifactId" INTEGER,
    "fromKey" TEXT NOT NULL,
    "toKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StorageOperation_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "UploadSession_uploadId_key" ON "UploadSession"("uploadId");
CREATE INDEX "UploadSession_status_expiresAt_idx" ON "UploadSession"("status", "expiresAt");
CREATE INDEX "StorageOperation_artifactId_idx" ON "StorageOperation"("artifactId");
CREATE INDEX "StorageOperation_createdAt_idx" ON "StorageOperation"("createdAt");

ALTER TABLE "UploadSession" ADD CONSTRAINT "UploadSession_storageId_fkey" FOREIGN KEY ("storageId") REFERENCES "Storage"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "UploadSession" ADD CONSTRAINT "UploadSession_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "StorageOperation" ADD CONSTRAINT "StorageOperation_storageId_fkey" FOREIGN KEY ("storageId") REFERENCES "Storage"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "StorageOperation" ADD CONSTRAINT "StorageOperation_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE SET NULL ON UPDATE CASCADE;
