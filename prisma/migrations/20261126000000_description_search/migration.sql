-- artifacts(filter: { descriptionContains }) is a case-insensitive ILIKE '%fragment%': a trigram GIN index serves it
-- at any table size for fragments of three characters or more (pg_trgm is created by the init migration).
CREATE INDEX "Artifact_description_trgm_idx" ON "Artifact" USING gin ("description" gin_trgm_ops);
