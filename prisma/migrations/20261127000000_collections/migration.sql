-- LaminDB's Collection: a named, versioned, ordered set of artifacts, with its own lineage (the run that created it,
-- runs that read it or created it again). An artifact in a collection, or a collection's meta artifact, is not
-- deleted for good, and neither is a run that created a collection (LaminDB's PROTECT).
CREATE TABLE "Collection" (
    "id" SERIAL NOT NULL,
    "uid" VARCHAR(20) NOT NULL,
    "key" TEXT NOT NULL,
    "description" TEXT,
    "hash" VARCHAR(22),
    "reference" TEXT,
    "referenceType" TEXT,
    "versionTag" TEXT,
    "isLatest" BOOLEAN NOT NULL DEFAULT true,
    "branch" "Branch" NOT NULL DEFAULT 'MAIN',
    "metaArtifactId" INTEGER,
    "runId" INTEGER,
    "createdById" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Collection_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "CollectionArtifact" (
    "collectionId" INTEGER NOT NULL,
    "artifactId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "CollectionArtifact_pkey" PRIMARY KEY ("collectionId","artifactId")
);

CREATE TABLE "RunInputCollection" (
    "runId" INTEGER NOT NULL,
    "collectionId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunInputCollection_pkey" PRIMARY KEY ("runId","collectionId")
);

CREATE TABLE "CollectionRecreatingRun" (
    "collectionId" INTEGER NOT NULL,
    "runId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CollectionRecreatingRun_pkey" PRIMARY KEY ("collectionId","runId")
);

CREATE UNIQUE INDEX "Collection_uid_key" ON "Collection"("uid");
CREATE UNIQUE INDEX "Collection_metaArtifactId_key" ON "Collection"("metaArtifactId");
CREATE INDEX "Collection_hash_idx" ON "Collection"("hash");
CREATE INDEX "Collection_runId_idx" ON "Collection"("runId");
CREATE INDEX "Collection_createdAt_idx" ON "Collection"("createdAt");
CREATE UNIQUE INDEX "Collection_key_hash_key" ON "Collection"("key", "hash");
CREATE UNIQUE INDEX "CollectionArtifact_collectionId_position_key" ON "CollectionArtifact"("collectionId", "position");
CREATE INDEX "CollectionArtifact_artifactId_idx" ON "CollectionArtifact"("artifactId");
CREATE INDEX "RunInputCollection_collectionId_idx" ON "RunInputCollection"("collectionId");
CREATE INDEX "CollectionRecreatingRun_runId_idx" ON "CollectionRecreatingRun"("runId");

ALTER TABLE "Collection" ADD CONSTRAINT "Collection_metaArtifactId_fkey" FOREIGN KEY ("metaArtifactId") REFERENCES "Artifact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Collection" ADD CONSTRAINT "Collection_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Collection" ADD CONSTRAINT "Collection_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "CollectionArtifact" ADD CONSTRAINT "CollectionArtifact_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "CollectionArtifact" ADD CONSTRAINT "CollectionArtifact_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "RunInputCollection" ADD CONSTRAINT "RunInputCollection_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RunInputCollection" ADD CONSTRAINT "RunInputCollection_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "CollectionRecreatingRun" ADD CONSTRAINT "CollectionRecreatingRun_collectionId_fkey" FOREIGN KEY ("collectionId") REFERENCES "Collection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "CollectionRecreatingRun" ADD CONSTRAINT "CollectionRecreatingRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: a version tag is unique within a family (the 16-character uid stem), as for artifacts;
CREATE UNIQUE INDEX "Collection_family_versionTag_key" ON "Collection" (left("uid", 16), "versionTag") WHERE "versionTag" IS NOT NULL;
-- prefix filters on keys and uid families (text_pattern_ops serves LIKE 'prefix%' in any collation),
-- and search over keys and descriptions with pg_trgm's word similarity.
CREATE INDEX "Collection_key_pattern_idx" ON "Collection" ("key" text_pattern_ops);
CREATE INDEX "Collection_uid_pattern_idx" ON "Collection" ("uid" text_pattern_ops);
CREATE INDEX "Collection_key_trgm_idx" ON "Collection" USING gin ("key" gin_trgm_ops);
CREATE INDEX "Collection_description_trgm_idx" ON "Collection" USING gin ("description" gin_trgm_ops);
