-- Owed storage work is leased: the process doing it renews leaseExpiresAt while it works; recovery and other requests
-- take over only work whose lease has expired. Work recorded before leases existed gets the old ten-minute grace.
ALTER TABLE "StorageOperation" ADD COLUMN "expected" JSONB;
ALTER TABLE "StorageOperation" ADD COLUMN "leaseOwner" VARCHAR(32);
ALTER TABLE "StorageOperation" ADD COLUMN "leaseExpiresAt" TIMESTAMP(3);
UPDATE "StorageOperation" SET "leaseExpiresAt" = "createdAt" + interval '10 minutes' WHERE "leaseExpiresAt" IS NULL;
CREATE INDEX "StorageOperation_leaseExpiresAt_idx" ON "StorageOperation"("leaseExpiresAt");
CREATE INDEX "StorageOperation_storageId_toKey_idx" ON "StorageOperation"("storageId", "toKey");
CREATE INDEX "StorageOperation_storageId_fromKey_idx" ON "StorageOperation"("storageId", "fromKey");

-- What a staged upload looked like when it was hashed, checked before it is published.
ALTER TABLE "UploadSession" ADD COLUMN "staged" JSONB;
