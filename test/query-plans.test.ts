// The filters and lookups that must stay fast at a million rows can be served by an index: the exact SQL Prisma sends
// (captured with its parameters) is EXPLAINed on tables of 20,000 rows with sequential and plain index scans
// disabled, so the plan can only read the table through a bitmap of an index whose condition is the filter itself.
// Which plan PostgreSQL picks at a given size is for the benchmark to show (npm run bench -- P4: 10k vs 1M rows).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/client';
import { artifactWhere, collectionWhere, transformWhere, ulabelWhere } from '../src/domain/filters';
import { createULabels } from '../src/domain/labels';
import { search } from '../src/domain/search';
import { startTestTrove, type TestTrove } from './helpers/trove';

const ROWS = 20_000;

describe('query plans at scale', () => {
  let trove: TestTrove;
  let db: Database;
  let client: pg.Client;
  let captured: { query: string; params: unknown[] }[] = [];
  beforeAll(async () => {
    trove = await startTestTrove();
    const databaseUrl = trove.services.config.databaseUrl!;
    const created = createDatabase(databaseUrl, { poolSize: 2, onQuery: () => undefined });
    db = created.db;
    (db as unknown as { $on(event: 'query', listener: (event: { query: string; params: string }) => void): void }).$on('query', (event) => {
      captured.push({ query: event.query, params: JSON.parse(event.params) as unknown[] });
    });
    client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const storage = (await client.query(`SELECT id FROM "Storage" WHERE "isDefault"`)).rows[0].id as number;
    const user = trove.services.user.id;
    await client.query(`
      INSERT INTO "Artifact" (uid, key, description, suffix, size, hash, "storageKey", "storageId", "createdById", "createdAt", "updatedAt", "storageOngoing")
      SELECT substr(md5(i::text), 1, 16) || '0000', 'project-' || (i / 50) || '/file-' || i || '.csv', 'sample ' || substr(md5('description' || i), 1, 10), '.csv', i,
             substr(md5('content' || i), 1, 22), '.lamindb/' || substr(md5(i::text), 1, 16) || '0000.csv', ${storage}, ${user},
             now() - (i || ' seconds')::interval, now(), i % 5000 = 0
      FROM generate_series(1, ${ROWS}) AS i`);
    await client.query(`
      INSERT INTO "ULabel" (uid, name, "createdById", "updatedAt")
      SELECT lpad(to_hex(i), 8, '0'), substr(md5('first' || i), 1, 7) || ' ' || substr(md5('second' || i), 1, 5), ${user}, now()
      FROM generate_series(1, ${ROWS}) AS i`);
    await client.query(`
      INSERT INTO "Transform" (uid, key, kind, hash, "createdById", "updatedAt")
      SELECT substr(md5('transform' || i), 1, 12) || '0000', 'pipelines/step-' || i || '.py', 'SCRIPT', substr(md5('source' || i), 1, 22), ${user}, now()
      FROM generate_series(1, ${ROWS}) AS i`);
    await client.query(`
      INSERT INTO "Collection" (uid, key, description, hash, "createdById", "updatedAt")
      SELECT substr(md5('collection' || i), 1, 16) || '0000', 'screens/plate-' || i, 'plate ' || substr(md5('plate' || i), 1, 10),
             substr(md5('set' || i), 1, 22), ${user}, now()
      FROM generate_series(1, ${ROWS}) AS i`);
    await client.query(`
      INSERT INTO "CollectionArtifact" ("collectionId", "artifactId", position)
      SELECT c.id, a.id, 0 FROM "Collection" c JOIN "Artifact" a ON a.id = c.id`);
    await client.query('ANALYZE "Artifact"; ANALYZE "ULabel"; ANALYZE "Transform"; ANALYZE "Collection"; ANALYZE "CollectionArtifact"');
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await db?.$disconnect();
    await trove?.close();
  });

  /** The plan of the last statement `run` sends (the one that reads the table). */
  async function planOf(run: () => Promise<unknown>, table: string): Promise<string> {
    captured = [];
    await run();
    const statement = captured.findLast((entry) => entry.query.includes(`"${table}"`) && /^\s*SELECT/i.test(entry.query));
    expect(statement, `no SELECT on ${table} was sent`).toBeDefined();
    // The similar-name search sets its threshold in the same transaction; EXPLAIN it the same way.
    await client.query('BEGIN');
    try {
      await client.query(`SELECT set_config('pg_trgm.similarity_threshold', '0.5', true)`);
      await client.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off');
      const { rows } = await client.query(`EXPLAIN ${statement!.query}`, statement!.params);
      return rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
    } finally {
      await client.query('ROLLBACK');
    }
  }

  const page = { take: 21, orderBy: [{ createdAt: 'desc' as const }, { uid: 'asc' as const }] };

  it.each([
    ['keyPrefix', () => db.artifact.findMany({ ...page, where: artifactWhere({ keyPrefix: 'project-123/' }) }), 'Artifact_key_pattern_idx'],
    ['uidPrefix', () => db.artifact.findMany({ ...page, where: artifactWhere({ uidPrefix: 'c4ca4238a0' }) }), 'Artifact_uid_pattern_idx'],
    ['a version family (uid stem)', () => db.artifact.findMany({ where: { uid: { startsWith: 'c4ca4238a0b92382' } } }), 'Artifact_uid_pattern_idx'],
    ['hash', () => db.artifact.findMany({ ...page, where: artifactWhere({ hash: 'abc' }) }), 'Artifact_hash_idx'],
    ['key', () => db.artifact.findFirst({ where: { key: 'project-3/file-150.csv', branch: 'MAIN' }, orderBy: { id: 'desc' } }), 'Artifact_key_'],
    ['uid', () => db.artifact.findUnique({ where: { uid: 'c4ca4238a0b923820000' } }), 'Artifact_uid_'],
    ['work still owed (recovery)', () => db.artifact.findMany({ where: { storageOngoing: true } }), 'Artifact_storageOngoing_idx'],
    ['description fragment', () => db.artifact.findMany({ ...page, where: artifactWhere({ descriptionContains: 'A1b2' }) }), 'Artifact_description_trgm_idx'],
  ])('artifacts by %s use an index', async (_name, run, index) => {
    const plan = await planOf(run, 'Artifact');
    expect(plan).not.toMatch(/Seq Scan on "Artifact"/);
    expect(plan).toContain(`Bitmap Index Scan on "${index}`);
  });

  it('transforms by key prefix use an index', async () => {
    const plan = await planOf(() => db.transform.findMany({ take: 21, where: transformWhere({ keyPrefix: 'pipelines/step-12' }) }), 'Transform');
    expect(plan).toContain('Bitmap Index Scan on "Transform_key_pattern_idx"');
  });

  it.each([
    ['keyPrefix', () => db.collection.findMany({ ...page, where: collectionWhere({ keyPrefix: 'screens/plate-123' }) }), 'Collection_key_pattern_idx'],
    ['a version family (uid stem)', () => db.collection.findMany({ where: collectionWhere({ uidPrefix: 'c4ca4238a0b92382' }) }), 'Collection_uid_pattern_idx'],
    ['hash', () => db.collection.findMany({ ...page, where: collectionWhere({ hash: 'abc' }) }), 'Collection_hash_idx'],
    ['description fragment', () => db.collection.findMany({ ...page, where: collectionWhere({ descriptionContains: 'A1b2' }) }), 'Collection_description_trgm_idx'],
    ['artifact', () => db.collection.findMany({ ...page, where: collectionWhere({ artifactUid: 'c4ca4238a0b923820000' }) }), 'CollectionArtifact_artifactId_idx'],
  ])('collections by %s use an index', async (_name, run, index) => {
    const plan = await planOf(run, 'Collection');
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toContain(`Index Scan on "${index}`);
  });

  it('search(query) reads every searched column through its trigram index', async () => {
    // A rare word (the descriptions are "sample " and an md5 prefix): the planner's estimate then favours the index.
    const plan = await planOf(() => search(db, 'c4ca42'), 'Artifact');
    expect(plan).not.toMatch(/Seq Scan/);
    const indexes = ['Artifact_key_trgm_idx', 'Artifact_description_trgm_idx', 'ULabel_name_trgm_idx', 'Transform_key_trgm_idx', 'Transform_description_trgm_idx'];
    for (const index of [...indexes, 'Collection_key_trgm_idx', 'Collection_description_trgm_idx']) {
      expect(plan).toContain(`Bitmap Index Scan on "${index}"`);
    }
  });

  it('labels by name fragment, and the similar-name search of createULabel, use the trigram index', async () => {
    const contains = await planOf(() => db.uLabel.findMany({ take: 21, where: ulabelWhere({ nameContains: 'abc1' }) }), 'ULabel');
    expect(contains).toContain('Bitmap Index Scan on "ULabel_name_trgm_idx"');
    const similar = await planOf(() => createULabels(db, [{ name: 'c4ca423 a87fz' }], { searchNames: true, createdById: trove.services.user.id }), 'ULabel');
    expect(similar).not.toMatch(/Seq Scan on "ULabel"/);
    expect(similar).toContain('Bitmap Index Scan on "ULabel_name_trgm_idx"');
  });
});
