-- LaminDB's runs: a run can be scheduled before it starts, and points at its report (e.g. a rendered notebook) and
-- its environment (e.g. requirements.txt), both artifacts. Deleting such an artifact clears the link.
ALTER TYPE "RunStatus" ADD VALUE IF NOT EXISTS 'SCHEDULED' BEFORE 'STARTED';
ALTER TABLE "Run" ADD COLUMN "reportId" INTEGER, ADD COLUMN "environmentId" INTEGER;
ALTER TABLE "Run" ADD CONSTRAINT "Run_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Artifact"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Run" ADD CONSTRAINT "Run_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Artifact"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "Run_reportId_idx" ON "Run"("reportId");
CREATE INDEX "Run_environmentId_idx" ON "Run"("environmentId");
