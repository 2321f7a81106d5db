-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "StorageType" AS ENUM ('LOCAL', 'S3');

-- CreateEnum
CREATE TYPE "Branch" AS ENUM ('MAIN', 'ARCHIVE', 'TRASH');

-- CreateEnum
CREATE TYPE "TransformKind" AS ENUM ('PIPELINE', 'NOTEBOOK', 'SCRIPT', 'FUNCTION');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('STARTED', 'COMPLETED', 'ERRORED', 'ABORTED');

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "uid" VARCHAR(8) NOT NULL,
    "handle" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Storage" (
    "id" SERIAL NOT NULL,
    "uid" VARCHAR(12) NOT NULL,
    "root" TEXT NOT NULL,
    "type" "StorageType" NOT NULL,
    "region" TEXT,
    "description" TEXT,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "createdById" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Storage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Artifact" (
    "id" SERIAL NOT NULL,
    "uid" VARCHAR(20) NOT NULL,
    "key" TEXT,
    "description" TEXT,
    "suffix" TEXT NOT NULL DEFAULT '',
    "kind" TEXT,
    "size" BIGINT,
    "hash" VARCHAR(22),
    "hashType" TEXT,
    "nFiles" INTEGER,
    "keyIsVirtual" BOOLEAN NOT NULL DEFAULT true,
    "storageKey" TEXT NOT NULL,
    "versionTag" TEXT,
    "isLatest" BOOLEAN NOT NULL DEFAULT true,
    "branch" "Branch" NOT NULL DEFAULT 'MAIN',
    "storageOngoing" BOOLEAN NOT NULL DEFAULT false,
    "storageId" INTEGER NOT NULL,
    "createdById" INTEGER NOT NULL,
    "runId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Artifact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ULabel" (
    "id" SERIAL NOT NULL,
    "uid" VARCHAR(8) NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "reference" TEXT,
    "referenceType" TEXT,
    "isType" BOOLEAN NOT NULL DEFAULT false,
    "typeId" INTEGER,
    "branch" "Branch" NOT NULL DEFAULT 'MAIN',
    "createdById" INTEGER NOT NULL,
    "runId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ULabel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ArtifactULabel" (
    "artifactId" INTEGER NOT NULL,
    "ulabelId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArtifactULabel_pkey" PRIMARY KEY ("artifactId","ulabelId")
);

-- CreateTable
CREATE TABLE "Transform" (
    "id" SERIAL NOT NULL,
    "uid" VARCHAR(16) NOT NULL,
    "key" TEXT NOT NULL,
    "description" TEXT,
    "kind" "TransformKind" NOT NULL,
    "versionTag" TEXT,
    "isLatest" BOOLEAN NOT NULL DEFAULT true,
    "hash" VARCHAR(22),
    "sourceCode" TEXT,
    "createdById" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Transform_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" SERIAL NOT NULL,
    "uid" VARCHAR(16) NOT NULL,
    "transformId" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "status" "RunStatus" NOT NULL DEFAULT 'STARTED',
    "params" JSONB,
    "reference" TEXT,
    "referenceType" TEXT,
    "createdById" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunInputArtifact" (
    "runId" INTEGER NOT NULL,
    "artifactId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunInputArtifact_pkey" PRIMARY KEY ("runId","artifactId")
);

-- CreateTable
CREATE TABLE "ArtifactRecreatingRun" (
    "artifactId" INTEGER NOT NULL,
    "runId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArtifactRecreatingRun_pkey" PRIMARY KEY ("artifactId","runId")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_uid_key" ON "User"("uid");

-- CreateIndex
CREATE UNIQUE INDEX "User_handle_key" ON "User"("handle");

-- CreateIndex
CREATE UNIQUE INDEX "Storage_uid_key" ON "Storage"("uid");

-- CreateIndex
CREATE UNIQUE INDEX "Storage_root_key" ON "Storage"("root");

-- CreateIndex
CREATE UNIQUE INDEX "Artifact_uid_key" ON "Artifact"("uid");

-- CreateIndex
CREATE INDEX "Artifact_hash_idx" ON "Artifact"("hash");

-- CreateIndex
CREATE INDEX "Artifact_storageId_storageKey_idx" ON "Artifact"("storageId", "storageKey");

-- CreateIndex
CREATE INDEX "Artifact_key_idx" ON "Artifact"("key");

-- CreateIndex
CREATE INDEX "Artifact_runId_idx" ON "Artifact"("runId");

-- CreateIndex
CREATE INDEX "Artifact_createdAt_idx" ON "Artifact"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ULabel_uid_key" ON "ULabel"("uid");

-- CreateIndex
CREATE INDEX "ULabel_typeId_idx" ON "ULabel"("typeId");

-- CreateIndex
CREATE INDEX "ArtifactULabel_ulabelId_idx" ON "ArtifactULabel"("ulabelId");

-- CreateIndex
CREATE UNIQUE INDEX "Transform_uid_key" ON "Transform"("uid");

-- CreateIndex
CREATE INDEX "Transform_key_idx" ON "Transform"("key");

-- CreateIndex
CREATE INDEX "Transform_hash_idx" ON "Transform"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "Run_uid_key" ON "Run"("uid");

-- CreateIndex
CREATE INDEX "Run_transformId_idx" ON "Run"("transformId");

-- CreateIndex
CREATE INDEX "Run_status_idx" ON "Run"("status");

-- CreateIndex
CREATE INDEX "RunInputArtifact_artifactId_idx" ON "RunInputArtifact"("artifactId");

-- CreateIndex
CREATE INDEX "ArtifactRecreatingRun_runId_idx" ON "ArtifactRecreatingRun"("runId");

-- AddForeignKey
ALTER TABLE "Storage" ADD CONSTRAINT "Storage_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_storageId_fkey" FOREIGN KEY ("storageId") REFERENCES "Storage"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ULabel" ADD CONSTRAINT "ULabel_typeId_fkey" FOREIGN KEY ("typeId") REFERENCES "ULabel"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ULabel" ADD CONSTRAINT "ULabel_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ULabel" ADD CONSTRAINT "ULabel_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArtifactULabel" ADD CONSTRAINT "ArtifactULabel_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArtifactULabel" ADD CONSTRAINT "ArtifactULabel_ulabelId_fkey" FOREIGN KEY ("ulabelId") REFERENCES "ULabel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Transform" ADD CONSTRAINT "Transform_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_transformId_fkey" FOREIGN KEY ("transformId") REFERENCES "Transform"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunInputArtifact" ADD CONSTRAINT "RunInputArtifact_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunInputArtifact" ADD CONSTRAINT "RunInputArtifact_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArtifactRecreatingRun" ADD CONSTRAINT "ArtifactRecreatingRun_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ArtifactRecreatingRun" ADD CONSTRAINT "ArtifactRecreatingRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: what the Prisma schema language cannot say.

-- Trigram search for similar names.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "ULabel_name_trgm_idx" ON "ULabel" USING gin ("name" gin_trgm_ops);

-- At most one default storage.
CREATE UNIQUE INDEX "Storage_single_default_key" ON "Storage" ("isDefault") WHERE "isDefault";

-- Version families share the uid stem (16 chars for artifacts, 12 for transforms):
-- at most one latest version per family, and a version tag is unique within its family.
CREATE UNIQUE INDEX "Artifact_family_latest_key" ON "Artifact" (left("uid", 16)) WHERE "isLatest";
CREATE UNIQUE INDEX "Artifact_family_versionTag_key" ON "Artifact" (left("uid", 16), "versionTag") WHERE "versionTag" IS NOT NULL;
CREATE INDEX "Artifact_family_idx" ON "Artifact" (left("uid", 16));
CREATE UNIQUE INDEX "Transform_family_latest_key" ON "Transform" (left("uid", 12)) WHERE "isLatest";
CREATE UNIQUE INDEX "Transform_family_versionTag_key" ON "Transform" (left("uid", 12), "versionTag") WHERE "versionTag" IS NOT NULL;
CREATE INDEX "Transform_family_idx" ON "Transform" (left("uid", 12));

-- A label name is unique within its type (top-level labels share the NULL type).
CREATE UNIQUE INDEX "ULabel_name_type_key" ON "ULabel" ("name", "typeId") NULLS NOT DISTINCT;
