-- LaminDB 2.x moves transforms and runs to the trash (branch) before they are deleted for good, as it does artifacts,
-- labels and collections.
ALTER TABLE "Transform" ADD COLUMN "branch" "Branch" NOT NULL DEFAULT 'MAIN';
ALTER TABLE "Run" ADD COLUMN "branch" "Branch" NOT NULL DEFAULT 'MAIN';
