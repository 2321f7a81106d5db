-- The nearest label names by trigram distance (`name <-> 'x'` ordering), for the similar-name search of
-- createULabel: a GiST index answers it by walking the nearest entries, whatever the number of labels.
CREATE INDEX "ULabel_name_trgm_gist_idx" ON "ULabel" USING gist ("name" gist_trgm_ops);
