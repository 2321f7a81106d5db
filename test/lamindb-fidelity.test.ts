// LaminDB 2.x's own assertions, replayed through GraphQL: each test names the LaminDB (or lamindb-setup) test it
// comes from, and runs on local storage and on S3 (s3rver) where storage is involved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createULabels, isCloseName } from '../src/domain/labels';
import { canonicalSuffix } from '../src/storage/suffix';
import { EXISTING_LABELS, LABEL_QUERIES } from './fixtures/label-names';
import { graphqlWithFiles, startTestTrove, type TestTrove } from './helpers/trove';

const ARTIFACT = 'uid key description suffix hash storageKey branch isLatest path';
const CREATE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) {
  __typename ... on ArtifactPayload { created warnings artifact { ${ARTIFACT} } } ... on Error { code message } ... on InvalidInput { field } } }`;

describe('lamindb-setup tests/core/test_canonical_suffix.py', () => {
  it('test_extract_from_path: every case of its collection', () => {
    const collection: [string, string][] = [
      ['a', ''], ['a.txt', '.txt'], ['a.123', ''], ['directory/file', ''], ['d.x.y.z/f.b.c', '.c'], ['d.x.y.z/f.a.b.c', '.c'],
      ['logs/date.log.txt', '.txt'], ['logs/date.log.123', ''], ['some.unknown.suffix', ''], ['salmon.merged.gene_counts.tsv', '.tsv'],
      ['filename.h5ad.zarr', '.zarr'], ['reads.bam', '.bam'], ['variants.vcf', '.vcf'], ['store.h5', '.h5'], ['array.npy', '.npy'],
      ['model.onnx', '.onnx'], ['notebook.ipynb', '.ipynb'], ['filename.v1.1.0.anndata.zarr', '.anndata.zarr'], ['sample.ome.zarr', '.ome.zarr'],
      ['sample.ome.h5', '.ome.h5'], ['sample.ome.hdf5', '.ome.hdf5'], ['dashboard.vitessce.json', '.vitessce.json'], ['data.config.json', '.json'],
      ['plain.gz', '.gz'], ['archive.tar.gz', '.tar.gz'], ['salmon.merged.gene_counts.tsv.gz', '.tsv.gz'], ['variants.vcf.gz', '.vcf.gz'],
      ['filename.h5ad.tar.gz', '.h5ad.tar.gz'], ['file.random.gz', '.gz'], ['foo.bar.tar.gz', '.tar.gz'], ['plain.bz2', '.bz2'], ['plain.xz', '.xz'],
      ['plain.zst', '.zst'], ['data.csv.bz2', '.csv.bz2'], ['data.tsv.xz', '.tsv.xz'], ['archive.tar.bz2', '.tar.bz2'], ['archive.tar.zst', '.tar.zst'],
      ['filename.h5ad.tar.xz', '.h5ad.tar.xz'], ['file.random.zst', '.zst'], ['scan.TIFF', '.tiff'], ['image.PNG', '.png'], ['photo.JPG', '.jpg'],
      ['sample.OME.ZARR', '.ome.zarr'], ['variants.VCF.GZ', '.vcf.gz'], ['unknown.XYZ', ''],
    ];
    for (const [path, suffix] of collection) expect(canonicalSuffix(path), path).toBe(suffix);
  });
});

describe.each(['local', 's3rver'] as const)('LaminDB artifact rules on %s storage', (backend) => {
  let trove: TestTrove;
  const store = () => trove.services.stores.storeFor(backend === 'local' ? trove.localRoot : trove.s3rverRoot);
  const create = async (input: Record<string, unknown>) => (await trove.query(CREATE, { input })).createArtifact;
  const withFile = async (name: string, content: string, input: Record<string, unknown>) =>
    (await graphqlWithFiles(trove, CREATE, { input: { ...input, file: null } }, { 'input.file': { name, content } })).data.createArtifact;
  beforeAll(async () => {
    trove = await startTestTrove({ defaultStorage: backend });
  });
  afterAll(async () => trove?.close());

  it('stores the canonical suffix and lays the object out as LaminDB does (test_artifact_basics.py::test_invalid_suffix_is_empty, test_auto_storage_key_from_artifact_uid)', async () => {
    const tiff = await withFile('scan.TIFF', 'pretend tiff', { description: 'a scan' });
    expect(tiff.artifact.suffix).toBe('.tiff');
    expect(tiff.artifact.storageKey).toBe(`.lamindb/${tiff.artifact.uid}.tiff`);
    expect((await withFile('file.random.gz', 'gz bytes', { description: 'random gz' })).artifact.suffix).toBe('.gz');
    expect((await withFile('sample.OME.ZARR', 'zarr-ish', { description: 'ome' })).artifact.suffix).toBe('.ome.zarr');
    const unknown = await withFile('test.xyz', 'unknown text suffix', { key: 'uploads/test.xyz', description: 'unknown text suffix' });
    expect(unknown.artifact).toMatchObject({ suffix: '', key: 'uploads/test.xyz', storageKey: `.lamindb/${unknown.artifact.uid}` });
    const mismatch = await withFile('test.xyz', 'unknown text suffix 2', { key: 'uploads/test' });
    expect(mismatch).toMatchObject({ __typename: 'InvalidInput', message: "the passed file's suffix '.xyz' must match the passed key's suffix ''" });
  });

  it('never deduplicates empty files (test_artifact_basics.py::test_create_from_empty_files_skips_hash_lookup)', async () => {
    const first = await create({ content: '', key: 'empty/empty-1.txt' });
    const second = await create({ content: '', key: 'empty/empty-2.txt' });
    expect(second).toMatchObject({ created: true, artifact: { key: 'empty/empty-2.txt', hash: first.artifact.hash } });
    expect(second.artifact.uid).not.toBe(first.artifact.uid);
  });

  it('registers objects in place without a key and without a hash lookup (test_existing_storage_path_skips_hash_lookup_by_default, test_recreate_after_artifact_moved_in_storage)', async () => {
    await store().put('registered/existing-1.txt', Buffer.from('same-content'));
    await store().put('registered/existing-2.txt', Buffer.from('same-content'));
    const first = await create({ path: store().locationOf('registered/existing-1.txt') });
    const second = await create({ path: store().locationOf('registered/existing-2.txt'), description: 'register sibling file' });
    expect(first).toMatchObject({ __typename: 'ArtifactPayload', created: true, artifact: { key: 'registered/existing-1.txt' } });
    expect(second).toMatchObject({ created: true, artifact: { key: 'registered/existing-2.txt', hash: first.artifact.hash } });
    expect(second.artifact.uid).not.toBe(first.artifact.uid);
    // The same path again is the same artifact; the file moved inside the storage is a new one.
    expect((await create({ path: store().locationOf('registered/existing-1.txt') })).artifact.uid).toBe(first.artifact.uid);
    await store().put('registered/moved.txt', Buffer.from('same-content'));
    await store().delete('registered/existing-1.txt');
    const moved = await create({ path: store().locationOf('registered/moved.txt') });
    expect(moved).toMatchObject({ created: true, artifact: { key: 'registered/moved.txt' } });
    expect(moved.artifact.uid).not.toBe(first.artifact.uid);
  });

  it('returns existing content before asking for a key (test_artifact_basics.py::test_upload_checks_hash_by_default)', async () => {
    const first = await create({ content: 'uploaded-content', key: 'uploads/uploaded.txt' });
    const again = await create({ content: 'uploaded-content' });
    expect(again).toMatchObject({ __typename: 'ArtifactPayload', created: false, artifact: { uid: first.artifact.uid } });
    const anonymous = await create({ content: 'brand new content without a key' });
    expect(anonymous).toMatchObject({ __typename: 'InvalidInput', message: expect.stringContaining('give at least one of key, description or runUid') });
  });

  it('resolves CREATE_NEW with the same key and content to the existing artifact, restoring it from the trash (test_skip_hash_lookup_true_on_upload_same_key_resolves_collision_on_save)', async () => {
    const first = await create({ content: 'skip-true', key: 'uploads/skip-true-same-key.txt' });
    const same = await create({ content: 'skip-true', key: 'uploads/skip-true-same-key.txt', ifHashExists: 'CREATE_NEW' });
    expect(same).toMatchObject({ created: false, artifact: { uid: first.artifact.uid } });
    const other = await create({ content: 'skip-true', key: 'uploads/skip-true-b.txt', ifHashExists: 'CREATE_NEW' });
    expect(other.created).toBe(true);
    await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid }) { __typename } }`, { uid: first.artifact.uid });
    const restored = await create({ content: 'skip-true', key: 'uploads/skip-true-same-key.txt', ifHashExists: 'CREATE_NEW' });
    expect(restored).toMatchObject({ created: false, artifact: { uid: first.artifact.uid, branch: 'MAIN', isLatest: true } });
    expect(restored.warnings.join(' ')).toContain('restored artifact');
  });

  it('returns existing content with the new description (lamindb models/sqlrecord.py update_attributes)', async () => {
    const first = await create({ content: 'described twice', description: 'first words' });
    const again = await create({ content: 'described twice', description: 'better words' });
    expect(again).toMatchObject({ created: false, artifact: { uid: first.artifact.uid, description: 'better words' } });
    expect(again.warnings).toContain("updated description from 'first words' to 'better words'");
  });
});

describe('LaminDB versions, lineage, keys, labels and lookups', () => {
  let trove: TestTrove;
  const create = async (input: Record<string, unknown>) => (await trove.query(CREATE, { input })).createArtifact;
  const trash = (uid: string) => trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid }) { __typename } }`, { uid });
  const erase = (uid: string) => trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true }) { __typename } }`, { uid });
  const family = async (stem: string) =>
    (await trove.services.db.artifact.findMany({ where: { uid: { startsWith: stem } }, orderBy: { id: 'asc' } })).map((row) => ({ uid: row.uid, isLatest: row.isLatest, branch: row.branch }));
  beforeAll(async () => {
    trove = await startTestTrove();
  });
  afterAll(async () => trove?.close());

  it('never leaves a family without a latest version; the only version stays latest in the trash (test_is_versioned.py::test_soft_delete_promotes_within_branch, test_adjust_is_latest_when_deleting_is_versioned)', async () => {
    const v1 = await create({ content: 'v1', key: 'family/f.txt' });
    const v2 = await create({ content: 'v2', key: 'family/f.txt' });
    const stem = v1.artifact.uid.slice(0, 16);
    await trash(v2.artifact.uid);
    expect(await family(stem)).toEqual([
      { uid: v1.artifact.uid, isLatest: true, branch: 'MAIN' },
      { uid: v2.artifact.uid, isLatest: false, branch: 'TRASH' },
    ]);
    await trash(v1.artifact.uid); // the only version left in MAIN: it stays the latest, in the trash
    expect((await family(stem)).filter((row) => row.isLatest)).toEqual([{ uid: v1.artifact.uid, isLatest: true, branch: 'TRASH' }]);
    await erase(v1.artifact.uid); // deleting it hands over to what is left
    expect(await family(stem)).toEqual([{ uid: v2.artifact.uid, isLatest: true, branch: 'TRASH' }]);
  });

  it('does not count a run that read an artifact as re-creating it (test_track_lineage.py::test_track_datasets_as_run_inputs)', async () => {
    const transform = (await trove.query(`mutation { createTransform(input: { key: "lineage/read-then-save.py", kind: SCRIPT }) { ... on TransformPayload { transform { uid } } } }`)).createTransform.transform;
    const start = async () => (await trove.query(`mutation($t: String!) { startRun(input: { transformUid: $t }) { ... on StartRunPayload { run { uid } } } }`, { t: transform.uid })).startRun.run.uid;
    const creator = await start();
    const dataset = (await create({ content: 'a dataset', description: 'dataset', runUid: creator })).artifact;
    const reader = await start();
    await trove.query(`mutation($uid: String, $run: String!) { readArtifact(input: { uid: $uid, runUid: $run }) { __typename } }`, { uid: dataset.uid, run: reader });
    const resaved = await trove.query(`mutation($run: String) { createArtifact(input: { content: "a dataset", description: "dataset", runUid: $run }) { ... on ArtifactPayload { artifact { run { uid } recreatingRuns { totalCount } inputOfRuns { edges { node { uid } } } } } } }`, { run: reader });
    expect(resaved.createArtifact.artifact).toEqual({ run: { uid: creator }, recreatingRuns: { totalCount: 0 }, inputOfRuns: { edges: [{ node: { uid: reader } }] } });
    const other = await start();
    const recreated = await trove.query(`mutation($run: String) { createArtifact(input: { content: "a dataset", description: "dataset", runUid: $run }) { ... on ArtifactPayload { artifact { recreatingRuns { edges { node { uid } } } } } } }`, { run: other });
    expect(recreated.createArtifact.artifact.recreatingRuns.edges).toEqual([{ node: { uid: other } }]);
  });

  it('validates transform keys like artifact keys (lamindb models/transform.py key rules, as test_artifact_basics.py::test_invalid_key_on_artifact_save)', async () => {
    for (const key of ['.', '..', './a', 'a/../b', 'a\\b', '/abs.py']) {
      const result = await trove.query(`mutation($key: String!) { createTransform(input: { key: $key, kind: SCRIPT }) { __typename ... on InvalidInput { field message } } }`, { key });
      expect(result.createTransform, key).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    }
    expect(await trove.services.db.transform.count({ where: { key: { in: ['.', '..', './a', 'a/../b'] } } })).toBe(0);
  });

  it('finds the one typed label of an exact name given without its type (test_record_basics.py::test_name_lookup)', async () => {
    const type = (await trove.query(`mutation { createULabel(input: { label: { name: "Tissue", isType: true } }) { ... on ULabelPayload { ulabel { uid } } } }`)).createULabel.ulabel;
    const liver = (await trove.query(`mutation($t: String) { createULabel(input: { label: { name: "liver tissue", typeUid: $t } }) { ... on ULabelPayload { ulabel { uid } } } }`, { t: type.uid })).createULabel.ulabel;
    const found = await trove.query(`mutation { createULabel(input: { label: { name: "liver tissue" } }) { __typename ... on ULabelPayload { created ulabel { uid } } } }`);
    expect(found.createULabel).toEqual({ __typename: 'ULabelPayload', created: false, ulabel: { uid: liver.uid } });
  });

  it("finds a family's latest version by its uid stem, filters by uid prefix, and finds an artifact by its path (test_artifact_basics.py::test_get_by_path)", async () => {
    const v1 = await create({ content: 'one', key: 'lookups/x.csv' });
    const v2 = await create({ content: 'two', key: 'lookups/x.csv' });
    const stem = v1.artifact.uid.slice(0, 16);
    const byStem = await trove.query(`query($uid: String) { artifact(uid: $uid) { uid } }`, { uid: stem });
    expect(byStem.artifact.uid).toBe(v2.artifact.uid);
    const versions = await trove.query(`query($p: String) { artifacts(filter: { uidPrefix: $p }) { totalCount } }`, { p: stem });
    expect(versions.artifacts.totalCount).toBe(2);
    const byPath = await trove.query(`query($path: String) { artifact(path: $path) { uid } }`, { path: v1.artifact.path });
    expect(byPath.artifact.uid).toBe(v1.artifact.uid);
    expect((await trove.query(`query($path: String) { artifact(path: $path) { uid } }`, { path: `${v1.artifact.path}.other` })).artifact).toBeNull();
  });
});

describe('similar names that help rather than block', () => {
  let trove: TestTrove;
  beforeAll(async () => {
    trove = await startTestTrove();
    await createULabels(trove.services.db, EXISTING_LABELS.map((name) => ({ name })), { searchNames: false, createdById: trove.services.user.id });
  });
  afterAll(async () => trove?.close());

  it('creates numbered series and short names, lists weaker candidates as warnings, and stops only close names', async () => {
    const outcome = async (name: string) =>
      (await trove.query(`mutation($name: String!) { createULabel(input: { label: { name: $name } }) { __typename ... on ULabelPayload { created warnings } ... on SimilarNames { similar { ulabel { name } } } } }`, { name })).createULabel;
    const sample = await outcome('Sample 4');
    expect(sample).toMatchObject({ __typename: 'ULabelPayload', created: true });
    expect(sample.warnings[0]).toContain('"Sample 1"');
    expect(await outcome('T')).toMatchObject({ __typename: 'ULabelPayload', created: true });
    expect(await outcome('Hepatocite')).toMatchObject({ __typename: 'SimilarNames', similar: expect.arrayContaining([{ ulabel: { name: 'hepatocyte' } }]) });
    expect(await outcome('My project 1a')).toMatchObject({ __typename: 'SimilarNames' });
    expect(isCloseName('CD4-positive alpha-beta T cell', 'CD4-positive, alpha-beta T cell', 1)).toBe(true);
  });

  it('measures false positives and negatives on real-world label names', async () => {
    // Each query is judged alone against the existing labels (what a person would do, one at a time).
    const rows = await trove.services.db.$queryRaw<{ query: string; name: string; score: number; fragment: boolean }[]>`
      SELECT q.query, l.name, similarity(l.name, q.query)::float AS score,
        l.name ILIKE '%' || replace(replace(left(q.query, CASE WHEN length(q.query) > 5 THEN (length(q.query) * 0.8)::int ELSE length(q.query) END), '%', '\\%'), '_', '\\_') || '%' AS fragment
      FROM unnest(${LABEL_QUERIES.map((query) => query.name)}::text[]) AS q(query) JOIN "ULabel" AS l ON l.name = ANY(${EXISTING_LABELS}::text[])`;
    const candidatesOf = (query: string) => rows.filter((row) => row.query === query && (row.fragment || row.score > 0.5));
    const tally = { laminDb: { falsePositives: [] as string[], falseNegatives: [] as string[] }, trove: { falsePositives: [] as string[], falseNegatives: [] as string[] } };
    for (const query of LABEL_QUERIES) {
      const candidates = candidatesOf(query.name);
      const blockedByAny = candidates.length > 0; // Trove before: any LaminDB candidate stopped the creation
      const blockedByClose = candidates.some((candidate) => isCloseName(query.name, candidate.name, candidate.score));
      for (const [rule, blocked] of [['laminDb', blockedByAny], ['trove', blockedByClose]] as const) {
        if (blocked && !query.duplicateOf) tally[rule].falsePositives.push(query.name);
        if (!blocked && query.duplicateOf) tally[rule].falseNegatives.push(query.name);
      }
    }
    const duplicates = LABEL_QUERIES.filter((query) => query.duplicateOf).length;
    console.log(
      `similar names on ${EXISTING_LABELS.length} labels, ${LABEL_QUERIES.length} queries (${duplicates} duplicates, ${LABEL_QUERIES.length - duplicates} new): ` +
        `any LaminDB candidate blocks: ${tally.laminDb.falsePositives.length} false positives, ${tally.laminDb.falseNegatives.length} false negatives; ` +
        `close candidates block: ${tally.trove.falsePositives.length} false positives (${tally.trove.falsePositives.join(', ')}), ${tally.trove.falseNegatives.length} false negatives (${tally.trove.falseNegatives.join(', ')})`,
    );
    expect(tally.trove.falseNegatives).toEqual([]);
    expect(tally.trove.falsePositives.length).toBeLessThanOrEqual(2);
    expect(tally.laminDb.falsePositives.length).toBeGreaterThan(20);
  });
});
