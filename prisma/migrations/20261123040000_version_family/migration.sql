-- The last version suffix issued per artifact family: uids of deleted versions are never issued again.
CREATE TABLE "VersionFamily" (
    "stem" VARCHAR(16) NOT NULL,
    "lastVersion" VARCHAR(4) NOT NULL,
    CONSTRAINT "VersionFamily_pkey" PRIMARY KEY ("stem")
);
