-- search(query) matches words of artifact keys and transform keys and descriptions (and artifact descriptions and
-- label names, indexed already) with pg_trgm's word-similarity operator <%, which these trigram GIN indexes serve.
CREATE INDEX "Artifact_key_trgm_idx" ON "Artifact" USING gin ("key" gin_trgm_ops);
CREATE INDEX "Transform_key_trgm_idx" ON "Transform" USING gin ("key" gin_trgm_ops);
CREATE INDEX "Transform_description_trgm_idx" ON "Transform" USING gin ("description" gin_trgm_ops);
