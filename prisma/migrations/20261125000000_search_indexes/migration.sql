-- Index-backed filters at a million rows. Prefix filters (keyPrefix, uidPrefix and the version-family lookups by
-- uid stem) are LIKE 'prefix%': a btree in the database's collation cannot serve them unless that collation is C, so
-- these use text_pattern_ops, which can whatever the collation. Work still owed (storageOngoing) is a tiny subset.
CREATE INDEX "Artifact_key_pattern_idx" ON "Artifact" ("key" text_pattern_ops);
CREATE INDEX "Artifact_uid_pattern_idx" ON "Artifact" ("uid" text_pattern_ops);
CREATE INDEX "Transform_key_pattern_idx" ON "Transform" ("key" text_pattern_ops);
CREATE INDEX "Artifact_storageOngoing_idx" ON "Artifact" ("id") WHERE "storageOngoing";
