// LaminDB's run lifecycle: a run can be SCHEDULED before it starts, and points at its environment (set when it starts
// or finishes) and its report (set when it finishes), both artifacts; deleting such an artifact clears the link.
// Refusals change nothing. Transforms accept revisesUid (LaminDB's revises): the next version of a family, also
// under a new key. Through GraphQL, the SDK and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const RUN_FIELDS = 'uid status startedAt finishedAt report { uid } environment { uid }';
const START = `mutation($input: StartRunInput!) { startRun(input: $input) { __typename ... on StartRunPayload { run { ${RUN_FIELDS} } } ... on InvalidInput { field } ... on Error { code message } } }`;
const FINISH = `mutation($input: FinishRunInput!) { finishRun(input: $input) { __typename ... on FinishRunPayload { run { ${RUN_FIELDS} } } ... on InvalidInput { field } ... on Error { code message } } }`;

describe('run lifecycle', () => {
  let trove: TestTrove & { url: string };
  let transformUid: string;
  const artifact = async (content: string, key: string) =>
    (await trove.query(`mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { ... on ArtifactPayload { artifact { uid } } } }`, { input: { content, key } }))
      .createArtifact.artifact.uid as string;
  const start = async (input: Record<string, unknown>) => (await trove.query(START, { input })).startRun;
  const finish = async (input: Record<string, unknown>) => (await trove.query(FINISH, { input })).finishRun;
  const runRow = (uid: string) => trove.services.db.run.findUniqueOrThrow({ where: { uid } });
  beforeAll(async () => {
    trove = await startListeningTrove();
    const created = await trove.query(`mutation { createTransform(input: { key: "notebooks/analysis.ipynb", kind: NOTEBOOK }) { ... on TransformPayload { transform { uid } } } }`);
    transformUid = created.createTransform.transform.uid;
  });
  afterAll(async () => trove?.close());

  it('schedules a run, starts it later, and finishes it with its report and environment', async () => {
    const scheduled = await start({ transformUid, scheduled: true, params: { batch: 1 } });
    expect(scheduled.run).toMatchObject({ status: 'SCHEDULED', finishedAt: null, report: null, environment: null });
    const listed = await trove.query(`{ runs(filter: { status: SCHEDULED }) { edges { node { uid } } } }`);
    expect(listed.runs.edges.map((edge: any) => edge.node.uid)).toEqual([scheduled.run.uid]);

    const environment = await artifact('numpy==2.1\n', 'envs/requirements.txt');
    const started = await start({ runUid: scheduled.run.uid, environmentUid: environment });
    expect(started.run).toMatchObject({ uid: scheduled.run.uid, status: 'STARTED', environment: { uid: environment } });
    expect(new Date(started.run.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(scheduled.run.startedAt).getTime());
    // Starting it again answers the started run.
    expect((await start({ runUid: scheduled.run.uid })).run.status).toBe('STARTED');

    const report = await artifact('<html>report</html>', 'reports/analysis.html');
    const finished = await finish({ runUid: scheduled.run.uid, status: 'COMPLETED', reportUid: report });
    expect(finished.run).toMatchObject({ status: 'COMPLETED', report: { uid: report }, environment: { uid: environment } });
    expect(finished.run.finishedAt).not.toBeNull();
    expect(await start({ runUid: scheduled.run.uid })).toMatchObject({ __typename: 'InvalidInput', field: 'input.runUid' });

    // The report deleted for good: the run stays, without it.
    await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true }) { __typename } }`, { uid: report });
    expect(await runRow(scheduled.run.uid)).toMatchObject({ status: 'COMPLETED', reportId: null });
  });

  it('refuses what it cannot do and changes nothing', async () => {
    expect(await start({})).toMatchObject({ __typename: 'InvalidInput', field: 'input.transformUid' });
    const running = await start({ transformUid });
    expect(await start({ transformUid, runUid: running.run.uid })).toMatchObject({ __typename: 'InvalidInput' });
    expect(await start({ runUid: 'nOsUchRun0000000' })).toMatchObject({ __typename: 'NotFound' });
    expect(await start({ transformUid, environmentUid: 'nOsUchArtifact000000' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.environmentUid' });
    const refused = await finish({ runUid: running.run.uid, status: 'COMPLETED', reportUid: 'nOsUchArtifact000000' });
    expect(refused).toMatchObject({ __typename: 'InvalidInput', field: 'input.reportUid' });
    expect(await runRow(running.run.uid)).toMatchObject({ status: 'STARTED', finishedAt: null, reportId: null });
    // A scheduled run can be called off before it starts.
    const scheduled = await start({ transformUid, scheduled: true });
    expect((await finish({ runUid: scheduled.run.uid, status: 'ABORTED' })).run).toMatchObject({ status: 'ABORTED' });
  });

  it('works from the SDK and the CLI', async () => {
    const client = new TroveClient(trove.url);
    const scheduled = await client.runs.start(transformUid, { scheduled: true });
    expect(scheduled.status).toBe('SCHEDULED');
    expect((await client.runs.startScheduled(scheduled.uid)).status).toBe('STARTED');
    const cli = async (...args: string[]) => {
      const lines: string[] = [];
      await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, ...args]);
      return lines;
    };
    const [runUid] = await cli('run', 'start', transformUid, '--scheduled');
    expect((await runRow(runUid!)).status).toBe('SCHEDULED');
    const [begun] = await cli('run', 'begin', runUid!);
    expect(begun).toMatch(new RegExp(`^${runUid} started at `));
    const report = await artifact('report from the CLI', 'reports/cli.txt');
    const [finished] = await cli('--json', 'run', 'finish', runUid!, '--report', report);
    expect(JSON.parse(finished!)).toMatchObject({ uid: runUid, status: 'COMPLETED', report: { uid: report } });
  });

  it('revises a transform: the next version of its family, under its key or a renamed one, the only latest', async () => {
    const CREATE_TRANSFORM = `mutation($input: CreateTransformInput!) { createTransform(input: $input) { __typename
      ... on TransformPayload { created transform { uid key kind isLatest description } } ... on InvalidInput { field } ... on Error { code message } } }`;
    const create = async (input: Record<string, unknown>) => (await trove.query(CREATE_TRANSFORM, { input })).createTransform;
    const first = await create({ key: 'scripts/clean.py', kind: 'SCRIPT', sourceCode: 'print(1)', description: 'cleaning' });
    const stem = first.transform.uid.slice(0, 12);
    const renamed = await create({ revisesUid: first.transform.uid, key: 'scripts/clean_data.py', sourceCode: 'print(2)' });
    expect(renamed).toMatchObject({ created: true, transform: { uid: `${stem}0001`, key: 'scripts/clean_data.py', kind: 'SCRIPT', isLatest: true, description: 'cleaning' } });
    expect(await trove.services.db.transform.findUniqueOrThrow({ where: { uid: first.transform.uid } })).toMatchObject({ isLatest: false });
    // The same again is that version; the renamed key now continues the family by key as well.
    expect(await create({ revisesUid: first.transform.uid, key: 'scripts/clean_data.py', sourceCode: 'print(2)' })).toMatchObject({ created: false, transform: { uid: `${stem}0001` } });
    expect((await create({ key: 'scripts/clean_data.py', kind: 'SCRIPT', sourceCode: 'print(3)' })).transform.uid).toBe(`${stem}0002`);
    // Refused: an unknown transform, a key of another family, neither key nor revisesUid.
    const other = await create({ key: 'scripts/other.py', kind: 'SCRIPT' });
    expect(await create({ revisesUid: 'nOsUchTransf0000' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.revisesUid' });
    expect(await create({ revisesUid: first.transform.uid, key: 'scripts/other.py' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await create({ kind: 'SCRIPT' })).toMatchObject({ __typename: 'InvalidInput', field: 'input.key' });
    expect(await trove.services.db.transform.count({ where: { uid: { startsWith: stem } } })).toBe(3);
    expect(await trove.services.db.transform.count({ where: { key: 'scripts/other.py' } })).toBe(1);
    expect(other.transform.isLatest).toBe(true);

    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'transform', 'scripts/clean_v4.py', '--revises', `${stem}0002`]);
    expect(lines).toEqual([`${stem}0003`]);
  });

  it('edits a transform: description and a version tag unique in its family', async () => {
    const UPDATE = `mutation($input: UpdateTransformInput!) { updateTransform(input: $input) { __typename
      ... on TransformPayload { transform { uid description versionTag } } ... on Error { code } } }`;
    const CREATE_TRANSFORM = `mutation($input: CreateTransformInput!) { createTransform(input: $input) { ... on TransformPayload { transform { uid } } } }`;
    const v1 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/tagged.py', kind: 'SCRIPT', sourceCode: 'a', versionTag: '1' } })).createTransform.transform.uid;
    const v2 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/tagged.py', kind: 'SCRIPT', sourceCode: 'b' } })).createTransform.transform.uid;
    expect((await trove.query(UPDATE, { input: { uid: v2, versionTag: '1' } })).updateTransform).toMatchObject({ __typename: 'VersionTagTaken', code: 'VERSION_TAG_TAKEN' });
    expect((await trove.query(UPDATE, { input: { uid: v2, versionTag: '2', description: 'second' } })).updateTransform.transform).toMatchObject({ uid: v2, versionTag: '2', description: 'second' });
    expect(await new TroveClient(trove.url).runs.updateTransform({ uid: v1, description: null })).toMatchObject({ uid: v1 });
    expect((await trove.query(UPDATE, { input: { uid: 'nOsUchTransf0000', description: 'x' } })).updateTransform.__typename).toBe('NotFound');
    // The CLI: `transform update`, while `transform <key>` still registers one.
    const lines: string[] = [];
    const cli = (...args: string[]) => buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, ...args]);
    await cli('transform', 'update', v2, '--description', 'from the shell', '--version-tag', '');
    expect(lines).toEqual([`updated: ${v2}  scripts/tagged.py`]);
    expect(await trove.services.db.transform.findUniqueOrThrow({ where: { uid: v2 } })).toMatchObject({ description: 'from the shell', versionTag: null });
    await cli('transform', 'scripts/tagged.py', '--source', __filename);
    expect(lines[1]).toMatch(new RegExp(`^${v2.slice(0, 12)}0002$`));
  });

  it('deletes runs and transform versions for good, never under artifacts they made; the previous version becomes the latest', async () => {
    const DELETE_RUN = `mutation($uid: String!) { deleteRun(input: { uid: $uid, permanent: true }) { __typename ... on DeleteRunPayload { uid deletedId } ... on Error { code message } } }`;
    const DELETE_TRANSFORM = `mutation($uid: String!) { deleteTransform(input: { uid: $uid, permanent: true }) { __typename ... on DeleteTransformPayload { uid deletedId } ... on Error { code message } } }`;
    const CREATE_TRANSFORM = `mutation($input: CreateTransformInput!) { createTransform(input: $input) { ... on TransformPayload { transform { uid } } } }`;
    const v1 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/deletable.py', kind: 'SCRIPT', sourceCode: '1' } })).createTransform.transform.uid;
    const v2 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/deletable.py', kind: 'SCRIPT', sourceCode: '2' } })).createTransform.transform.uid;
    const producing = (await start({ transformUid: v2 })).run.uid;
    const reading = (await start({ transformUid: v2 })).run.uid;
    const made = (await trove.query(`mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { ... on ArtifactPayload { artifact { uid } } } }`, {
      input: { content: 'made by a run', key: 'outputs/made.txt', runUid: producing },
    })).createArtifact.artifact.uid;
    await trove.query(`mutation($input: MarkInputsInput!) { markInputs(input: $input) { __typename } }`, { input: { runUid: reading, artifactUids: [made] } });

    // Protected: the run that made an artifact, and its transform.
    expect((await trove.query(DELETE_RUN, { uid: producing })).deleteRun).toMatchObject({ __typename: 'RecordInUse', code: 'RUN_IN_USE' });
    expect((await trove.query(DELETE_TRANSFORM, { uid: v2 })).deleteTransform).toMatchObject({ __typename: 'RecordInUse', code: 'TRANSFORM_IN_USE' });
    expect(await trove.services.db.run.count({ where: { transform: { uid: v2 } } })).toBe(2);

    // A run that only read: it goes with its input link; the artifact stays.
    expect((await trove.query(DELETE_RUN, { uid: reading })).deleteRun).toMatchObject({ __typename: 'DeleteRunPayload', uid: reading });
    expect(await trove.services.db.runInputArtifact.count({ where: { artifact: { uid: made } } })).toBe(0);
    expect(await trove.services.db.artifact.count({ where: { uid: made } })).toBe(1);

    // Once the artifact is gone for good, the transform goes with its last run, and v1 is the latest again.
    await trove.query(`mutation($uid: String!) { deleteArtifact(input: { uid: $uid, permanent: true }) { __typename } }`, { uid: made });
    expect((await trove.query(DELETE_TRANSFORM, { uid: v2 })).deleteTransform).toMatchObject({ __typename: 'DeleteTransformPayload', uid: v2 });
    expect(await trove.services.db.run.count({ where: { uid: producing } })).toBe(0);
    expect(await trove.services.db.transform.findUniqueOrThrow({ where: { uid: v1 } })).toMatchObject({ isLatest: true });
    expect((await trove.query(DELETE_RUN, { uid: producing })).deleteRun.__typename).toBe('NotFound');

    const spare = (await start({ transformUid: v1 })).run.uid;
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'run', 'delete', spare, '--permanent']);
    expect(lines).toEqual([`deleted: ${spare}`]);
    lines.length = 0;
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'transform', 'delete', v1, '--permanent']);
    expect(lines).toEqual([`deleted: ${v1}`]);
    expect(await trove.services.db.transform.count({ where: { key: 'scripts/deletable.py' } })).toBe(0);
    // And the SDK.
    const spareTransform = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/sdk-deletable.py', kind: 'SCRIPT' } })).createTransform.transform.uid;
    expect(await new TroveClient(trove.url).runs.deleteTransform(spareTransform, { permanent: true })).toMatchObject({ uid: spareTransform });
    expect(await trove.services.db.transform.count({ where: { uid: spareTransform } })).toBe(0);
  });
  it('moves transforms and runs to the trash and back, as LaminDB 2.x does: hidden from lists, links kept, the latest handed over', async () => {
    const TRASH_TRANSFORM = `mutation($uid: String!) { deleteTransform(input: { uid: $uid }) { __typename
      ... on DeleteTransformPayload { uid deletedId transform { branch isLatest } } ... on Error { code } } }`;
    const TRASH_RUN = `mutation($uid: String!) { deleteRun(input: { uid: $uid }) { __typename ... on DeleteRunPayload { deletedId run { branch } } } }`;
    const CREATE_TRANSFORM = `mutation($input: CreateTransformInput!) { createTransform(input: $input) { ... on TransformPayload { created transform { uid branch isLatest } } } }`;
    const listed = async () => (await trove.query(`{ transforms(first: 50, filter: { keyPrefix: "scripts/trashable" }) { edges { node { uid } } } }`)).transforms.edges.map((edge: any) => edge.node.uid);
    const v1 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/trashable.py', kind: 'SCRIPT', sourceCode: 'one' } })).createTransform.transform.uid;
    const v2 = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/trashable.py', kind: 'SCRIPT', sourceCode: 'two' } })).createTransform.transform.uid;
    const run = (await start({ transformUid: v2 })).run.uid;
    const output = (await trove.query(`mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { ... on ArtifactPayload { artifact { uid } } } }`, {
      input: { content: 'made before the trash', key: 'outputs/trash-lineage.txt', runUid: run },
    })).createArtifact.artifact.uid;

    // Trashing is allowed even with outputs (only a permanent delete is protected); lineage stays.
    expect((await trove.query(TRASH_TRANSFORM, { uid: v2 })).deleteTransform).toEqual({ __typename: 'DeleteTransformPayload', uid: v2, deletedId: null, transform: { branch: 'TRASH', isLatest: false } });
    expect(await trove.services.db.transform.findUniqueOrThrow({ where: { uid: v1 } })).toMatchObject({ isLatest: true });
    expect(await listed()).toEqual([v1]);
    expect((await trove.query(TRASH_RUN, { uid: run })).deleteRun).toEqual({ __typename: 'DeleteRunPayload', deletedId: null, run: { branch: 'TRASH' } });
    const runs = (await trove.query(`query($t: String!) { runs(first: 10, filter: { transformUid: $t }) { totalCount } trashed: runs(first: 10, filter: { transformUid: $t, branch: TRASH }) { totalCount } }`, { t: v2 }));
    expect([runs.runs.totalCount, runs.trashed.totalCount]).toEqual([0, 1]);
    expect((await trove.query(`query($uid: String!) { artifact(uid: $uid) { run { uid branch } } }`, { uid: output })).artifact.run).toEqual({ uid: run, branch: 'TRASH' });
    const searched = (await trove.query(`{ search(query: "trashable", types: [TRANSFORM]) { transform { uid } } }`)).search.map((hit: any) => hit.transform.uid);
    expect(searched).toEqual([v1]);

    // Restored through the SDK and the CLI: v2 is the latest again.
    const client = new TroveClient(trove.url);
    expect(await client.runs.restoreTransform(v2)).toMatchObject({ uid: v2 });
    expect(await trove.services.db.transform.findMany({ where: { key: 'scripts/trashable.py' }, orderBy: { id: 'asc' }, select: { isLatest: true, branch: true } })).toEqual([
      { isLatest: false, branch: 'MAIN' },
      { isLatest: true, branch: 'MAIN' },
    ]);
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'run', 'restore', run]);
    expect(lines).toEqual([`restored: ${run}`]);
    expect(await trove.services.db.run.findUniqueOrThrow({ where: { uid: run } })).toMatchObject({ branch: 'MAIN' });

    // Registering a trashed transform again (the script re-run) brings it back.
    await client.runs.deleteTransform(v1);
    const again = (await trove.query(CREATE_TRANSFORM, { input: { key: 'scripts/trashable.py', kind: 'SCRIPT', sourceCode: 'one' } })).createTransform;
    expect(again).toEqual({ created: false, transform: { uid: v1, branch: 'MAIN', isLatest: false } });
  });
});
