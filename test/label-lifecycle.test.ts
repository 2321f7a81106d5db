// A label's lifecycle as in LaminDB: trash (hidden from lists, links and name kept) and restore; a permanent delete
// removes the record, and is refused while artifacts carry the label or it types other labels (LaminDB's PROTECT),
// changing nothing. updateULabel renames a label within its type's unique names. Through GraphQL, the SDK and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../src/cli/main';
import { TroveClient } from '../src/client/trove-client';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const DELETE = `mutation($uid: String!, $permanent: Boolean) { deleteULabel(input: { uid: $uid, permanent: $permanent }) {
  __typename ... on DeleteULabelPayload { uid deletedId ulabel { name branch } } ... on Error { code message } } }`;
const RESTORE = `mutation($uid: String!) { restoreULabel(input: { uid: $uid }) { __typename ... on ULabelPayload { ulabel { name branch } } ... on Error { code } } }`;

describe('label lifecycle', () => {
  let trove: TestTrove & { url: string };
  const label = async (name: string, typeUid?: string, isType = false) =>
    (await trove.query(`mutation($input: CreateULabelInput!) { createULabel(input: $input) { ... on ULabelPayload { ulabel { uid } } } }`, {
      input: { label: { name, typeUid, isType }, searchNames: false },
    })).createULabel.ulabel.uid as string;
  const names = async () => (await trove.query(`{ ulabels(first: 100) { edges { node { name } } } }`)).ulabels.edges.map((edge: any) => edge.node.name);
  beforeAll(async () => {
    trove = await startListeningTrove();
  });
  afterAll(async () => trove?.close());

  it('trashes and restores a label, keeping its links', async () => {
    const uid = await label('Batch 7');
    const artifact = (await trove.query(`mutation { createArtifact(input: { content: "x", key: "labelled.txt" }) { ... on ArtifactPayload { artifact { uid } } } }`)).createArtifact.artifact.uid;
    await trove.query(`mutation($input: LabelArtifactInput!) { addLabels(input: $input) { __typename } }`, { input: { artifactUid: artifact, labelUids: [uid] } });
    expect((await trove.query(DELETE, { uid })).deleteULabel).toMatchObject({ __typename: 'DeleteULabelPayload', deletedId: null, ulabel: { name: 'Batch 7', branch: 'TRASH' } });
    expect(await names()).not.toContain('Batch 7');
    expect(await trove.services.db.artifactULabel.count({ where: { ulabel: { uid } } })).toBe(1);
    expect((await trove.query(RESTORE, { uid })).restoreULabel).toMatchObject({ ulabel: { name: 'Batch 7', branch: 'MAIN' } });
    expect(await names()).toContain('Batch 7');

    // Carried by an artifact: not deleted for good, nothing changes.
    const refused = (await trove.query(DELETE, { uid, permanent: true })).deleteULabel;
    expect(refused).toMatchObject({ __typename: 'RecordInUse', code: 'LABEL_IN_USE' });
    expect(refused.message).toContain('on 1 artifact(s)');
    expect(await trove.services.db.uLabel.count({ where: { uid } })).toBe(1);
    await trove.query(`mutation($input: LabelArtifactInput!) { removeLabels(input: $input) { __typename } }`, { input: { artifactUid: artifact, labelUids: [uid] } });
    const deleted = (await trove.query(DELETE, { uid, permanent: true })).deleteULabel;
    expect(deleted).toMatchObject({ __typename: 'DeleteULabelPayload', uid, ulabel: null });
    expect(deleted.deletedId).toBeTruthy();
    expect(await trove.services.db.uLabel.count({ where: { uid } })).toBe(0);
    expect((await trove.query(DELETE, { uid })).deleteULabel).toMatchObject({ __typename: 'NotFound' });
  });

  it('trashes the labels under a type with it, as LaminDB does; restoring the type restores only the type', async () => {
    const type = await label('Instrument', undefined, true);
    const family = await label('Microscope 7', type);
    const leaf = await label('Confocal 3', type);
    const branches = async () => (await trove.services.db.uLabel.findMany({ where: { uid: { in: [type, family, leaf] } }, orderBy: { id: 'asc' } })).map((row) => row.branch);
    expect((await trove.query(DELETE, { uid: type })).deleteULabel).toMatchObject({ ulabel: { name: 'Instrument', branch: 'TRASH' } });
    expect(await branches()).toEqual(['TRASH', 'TRASH', 'TRASH']);
    expect(await names()).not.toContain('Confocal 3');
    await trove.query(RESTORE, { uid: type });
    expect(await branches()).toEqual(['MAIN', 'TRASH', 'TRASH']);
  });

  it('keeps a type while it types other labels', async () => {
    const type = await label('Project', undefined, true);
    const child = await label('Project Atlas', type);
    expect((await trove.query(DELETE, { uid: type, permanent: true })).deleteULabel).toMatchObject({ code: 'LABEL_IN_USE' });
    expect((await trove.query(DELETE, { uid: child, permanent: true })).deleteULabel.__typename).toBe('DeleteULabelPayload');
    expect((await trove.query(DELETE, { uid: type, permanent: true })).deleteULabel.__typename).toBe('DeleteULabelPayload');
  });

  it('works from the SDK and the CLI', async () => {
    const uid = await label('Sequencing run 12');
    const client = new TroveClient(trove.url);
    expect(await client.labels.delete(uid)).toMatchObject({ uid, deletedId: null });
    expect(await client.labels.restore(uid)).toMatchObject({ uid, name: 'Sequencing run 12' });
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'label', 'delete', uid, '--permanent']);
    expect(lines).toEqual([`deleted: ${uid}`]);
    expect(await trove.services.db.uLabel.count({ where: { uid } })).toBe(0);
  });

  it('renames a label and edits its description; a name taken in the type is refused, changing nothing', async () => {
    const UPDATE = `mutation($input: UpdateULabelInput!) { updateULabel(input: $input) { __typename
      ... on ULabelPayload { ulabel { uid name description } } ... on InvalidInput { field message } ... on Error { code } } }`;
    const tissue = await label('Tissue', undefined, true);
    const liver = await label('Livr', tissue);
    await label('Lung', tissue);
    const renamed = (await trove.query(UPDATE, { input: { uid: liver, name: 'Liver', description: 'hepatic tissue' } })).updateULabel;
    expect(renamed).toMatchObject({ __typename: 'ULabelPayload', ulabel: { uid: liver, name: 'Liver', description: 'hepatic tissue' } });
    const taken = (await trove.query(UPDATE, { input: { uid: liver, name: 'Lung' } })).updateULabel;
    expect(taken).toMatchObject({ __typename: 'InvalidInput', field: 'input.name' });
    expect(taken.message).toContain('unique within a type');
    expect(await trove.services.db.uLabel.findUniqueOrThrow({ where: { uid: liver } })).toMatchObject({ name: 'Liver', description: 'hepatic tissue' });
    // The same name in no type is another label's business: allowed.
    expect((await trove.query(UPDATE, { input: { uid: await label('Loose'), name: 'Lung' } })).updateULabel.__typename).toBe('ULabelPayload');
    expect((await trove.query(UPDATE, { input: { uid: liver, name: null } })).updateULabel).toMatchObject({ __typename: 'InvalidInput', field: 'input.name' });

    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'label', 'update', liver, '--description', '']);
    expect(lines).toEqual([`updated: ${liver} Liver`]);
    expect((await trove.services.db.uLabel.findUniqueOrThrow({ where: { uid: liver } })).description).toBeNull();
    expect(await new TroveClient(trove.url).labels.update({ uid: liver, description: 'from the SDK' })).toMatchObject({ description: 'from the SDK' });
  });
});
