ALTER TABLE "StorageOperation" ADD COLUMN "previous" JSONB;
