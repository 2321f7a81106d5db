// setDefaultStorage (LaminDB's `ln.settings.storage = ...`): saves without a storage go to the chosen one, and the
// choice lasts across a restart when TROVE_STORAGE is not set; with TROVE_STORAGE set, that root is the default again
// at every start, as the configuration says. Checked in the rows and in the storages the bytes landed in.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrove } from '../src/app';
import { buildCli } from '../src/cli/main';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { readObject } from './helpers/storage-state';
import { S3RVER_BUCKET, s3rverCredentials, startListeningTrove, type TestTrove } from './helpers/trove';

const SET_DEFAULT = `mutation($uid: String!) { setDefaultStorage(input: { uid: $uid }) { __typename
  ... on SetDefaultStoragePayload { storage { uid isDefault } } ... on Error { code } } }`;
const SAVE = `mutation($content: String!) { createArtifact(input: { content: $content, description: "default storage" }) {
  ... on ArtifactPayload { artifact { uid storageKey storage { uid } } } } }`;

describe('choosing the default storage', () => {
  let trove: TestTrove & { url: string };
  const s3Root = `s3://${S3RVER_BUCKET}/default-${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    trove = await startListeningTrove({ s3SettingsByRoot: { [s3Root]: { credentials: s3rverCredentials } } });
  });
  afterAll(async () => trove?.close());

  /** Another server process's start on the same database, with or without TROVE_STORAGE. */
  async function restart(withTroveStorage: boolean): Promise<string> {
    const dataDir = path.dirname(trove.localRoot);
    const config = loadConfig({
      TROVE_DATA_DIR: dataDir,
      DATABASE_URL: trove.services.config.databaseUrl!,
      TROVE_S3_ENDPOINT: trove.services.config.s3Endpoint!,
      TROVE_RECOVERY_POLL_SECONDS: '0',
      TROVE_ALLOWED_ROOTS: [dataDir, `s3://${S3RVER_BUCKET}`].join(','),
      ...(withTroveStorage ? { TROVE_STORAGE: trove.localRoot } : {}),
    });
    const again = await createTrove(config, createLogger('silent'), { s3SettingsByRoot: { [s3Root]: { credentials: s3rverCredentials } } });
    try {
      return (await again.services.db.storage.findFirstOrThrow({ where: { isDefault: true } })).root;
    } finally {
      await again.close();
    }
  }

  it('sends saves without a storage to the chosen default, which lasts unless TROVE_STORAGE says otherwise', async () => {
    const s3 = (await trove.query(`mutation($root: String!) { registerStorage(input: { root: $root }) { ... on RegisterStoragePayload { storage { uid } } } }`, { root: s3Root })).registerStorage.storage.uid;
    const local = (await trove.services.db.storage.findFirstOrThrow({ where: { isDefault: true } })).uid;
    expect((await trove.query(SET_DEFAULT, { uid: s3 })).setDefaultStorage).toEqual({ __typename: 'SetDefaultStoragePayload', storage: { uid: s3, isDefault: true } });
    expect(await trove.services.db.storage.count({ where: { isDefault: true } })).toBe(1);

    const saved = (await trove.query(SAVE, { content: 'lands in the new default' })).createArtifact.artifact;
    expect(saved.storage.uid).toBe(s3);
    expect(await readObject(trove.services.stores.storeFor(s3Root), saved.storageKey)).toBe('lands in the new default');
    // The health check looks at the default the database names.
    expect(await (await fetch(`${trove.url}/healthz`)).json()).toMatchObject({ ok: true, storage: 'ok' });

    // A start without TROVE_STORAGE keeps the choice; one with it makes that root the default again.
    expect(await restart(false)).toBe(s3Root);
    expect(await restart(true)).toBe(trove.localRoot);
    expect((await trove.services.db.storage.findUniqueOrThrow({ where: { uid: local } })).isDefault).toBe(true);

    expect((await trove.query(SET_DEFAULT, { uid: 'NoSuchStorag' })).setDefaultStorage).toMatchObject({ __typename: 'NotFound', code: 'NOT_FOUND' });
    const lines: string[] = [];
    await buildCli((line) => lines.push(line)).parseAsync(['node', 'trove', '--url', trove.url, 'storage', 'default', s3]);
    expect(lines).toEqual([`default: ${s3}  ${s3Root}`]);
    expect((await trove.query(SAVE, { content: 'again in S3' })).createArtifact.artifact.storage.uid).toBe(s3);
  });
});
