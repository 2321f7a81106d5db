// Crash test: Trove servers (two processes on one database and one storage) are SIGKILLed at random moments during
// a stream of saves, replaces and deletes; then a server starts with no grace period, its recovery sweep runs, and
// the doctor must find both stores in agreement with every acknowledged write intact.
// TROVE_CRASH_KILLS sets the number of kills (default 200; CI runs the default).
import { randomBytes, randomInt } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBuffer } from '../src/storage/hashing';
import { startServerProcess } from './helpers/server-process';
import { createDatabaseFromTemplate } from './helpers/trove';

const KILLS = Number(process.env.TROVE_CRASH_KILLS ?? 200);
const WORKERS = 2;

interface Expectation {
  /** Hash of the last acknowledged save or replace. */
  hash: string;
  /** Hashes of replaces that were attempted; one that was not acknowledged may still have been committed. */
  possibleHashes: Set<string>;
  /** Operations on it still in flight (a killed one stays counted as unresolved via the may- flags). */
  inFlight: number;
  deleted: boolean;
  trashed: boolean;
  mayBeDeleted: boolean;
  mayBeTrashed: boolean;
}

const ledger = new Map<string, Expectation>();
const acknowledgedContents: string[] = [];

async function graphql(url: string, query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<any> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    // Servers on loopback with no token in the database serve local requests as admin.
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  return response.json();
}

const SAVE = `mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { __typename ... on ArtifactPayload { artifact { uid hash } } } }`;
const REPLACE = `mutation($input: ReplaceArtifactInput!) { replaceArtifact(input: $input) { __typename ... on ArtifactPayload { artifact { uid hash } } } }`;
const DELETE = `mutation($input: DeleteArtifactInput!) { deleteArtifact(input: $input) { __typename } }`;

function pick<T>(items: T[]): T | undefined {
  return items.length ? items[randomInt(items.length)] : undefined;
}

/** One random operation; records in the ledger only what the server acknowledged. */
async function randomOperation(url: string, signal: AbortSignal): Promise<void> {
  const roll = randomInt(100);
  const live = [...ledger.entries()].filter(([, expectation]) => !expectation.deleted && !expectation.trashed && !expectation.mayBeDeleted && !expectation.mayBeTrashed && expectation.inFlight === 0);
  if (roll < 55 || live.length < 3) {
    const reuse = roll < 10 ? pick(acknowledgedContents) : undefined;
    const content = reuse ?? `${randomBytes(randomInt(16, 4096)).toString('base64')}\n`;
    const key = roll % 3 === 0 ? `crash/k${randomInt(5)}.txt` : undefined;
    const result = await graphql(url, SAVE, { input: { content, key, description: key ? undefined : 'crash test', suffix: key ? undefined : '.txt' } }, signal);
    const artifact = result.data?.createArtifact?.artifact;
    if (artifact) {
      acknowledgedContents.push(content);
      if (!ledger.has(artifact.uid)) {
        ledger.set(artifact.uid, { hash: artifact.hash, possibleHashes: new Set(), inFlight: 0, deleted: false, trashed: false, mayBeDeleted: false, mayBeTrashed: false });
      }
    }
    return;
  }
  const [uid, expectation] = pick(live)!;
  expectation.inFlight += 1;
  try {
    if (roll < 80) {
      const content = `${randomBytes(randomInt(16, 4096)).toString('base64')}\n`;
      expectation.possibleHashes.add((await hashBuffer(Buffer.from(content))).hash);
      const result = await graphql(url, REPLACE, { input: { uid, content } }, signal);
      const artifact = result.data?.replaceArtifact?.artifact;
      if (artifact?.uid === uid) expectation.hash = artifact.hash;
      return;
    }
    const permanent = roll >= 90;
    if (permanent) expectation.mayBeDeleted = true;
    else expectation.mayBeTrashed = true;
    const result = await graphql(url, DELETE, { input: { uid, permanent } }, signal);
    if (result.data?.deleteArtifact?.__typename === 'DeleteArtifactPayload') {
      if (permanent) expectation.deleted = true;
      else expectation.trashed = true;
    }
  } finally {
    expectation.inFlight -= 1;
  }
}

describe('crash recovery', () => {
  let workDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'trove-crash-'));
    await chmod(workDir, 0o755);
    env = {
      DATABASE_URL: await createDatabaseFromTemplate(),
      TROVE_STORAGE: path.join(workDir, 'storage'),
      TROVE_SECRET: 'a-signing-secret-shared-by-all-crash-servers',
      // No recovery while the kills go on: recovery is what is being tested afterwards.
      TROVE_RECOVERY_GRACE_SECONDS: '86400',
    };
  });
  afterAll(async () => rm(workDir, { recursive: true, force: true }));

  it(`survives ${KILLS} SIGKILLs with no disagreement between the stores`, async () => {
    let kills = 0;
    let acknowledgedBefore = 0;
    const worker = async (index: number) => {
      while (kills < KILLS) {
        kills += 1;
        const server = await startServerProcess({
          ...env,
          TROVE_DATA_DIR: path.join(workDir, `data-${index}`),
          // Widens the window between commit and promote, so kills land there often.
          TROVE_FAULT_PAUSE_BEFORE_PROMOTE_MS: String(randomInt(0, 40)),
        });
        const abort = new AbortController();
        const streams = Array.from({ length: 4 }, async () => {
          while (!abort.signal.aborted) await randomOperation(server.url, abort.signal).catch(() => undefined);
        });
        await new Promise((resolve) => setTimeout(resolve, randomInt(30, 600)));
        await server.kill();
        abort.abort();
        await Promise.all(streams);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));
    acknowledgedBefore = ledger.size;
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(acknowledgedBefore).toBeGreaterThan(KILLS / 2);

    // Start-up with no grace: the sweep finishes or undoes everything the kills left.
    const survivor = await startServerProcess({ ...env, TROVE_DATA_DIR: path.join(workDir, 'data-final'), TROVE_RECOVERY_GRACE_SECONDS: '0' });
    try {
      const repaired = await graphql(survivor.url, `mutation { repair(graceSeconds: 0) { recovery { finished undone errors } } }`, {});
      expect(repaired.data.repair.recovery.errors).toEqual([]);
      const report = (await graphql(survivor.url, `query { doctor(deep: true, graceSeconds: 0) {
        clean rowsWithoutObjects { uid } objectsWithoutRows { key } sizeMismatches { uid } hashMismatches { uid } staleOngoing { uid } staleOperations { key } } }`, {})).data.doctor;
      expect(report).toEqual({ clean: true, rowsWithoutObjects: [], objectsWithoutRows: [], sizeMismatches: [], hashMismatches: [], staleOngoing: [], staleOperations: [] });

      const uids = [...ledger.keys()];
      let lost = 0;
      let wrong = 0;
      const problems: unknown[] = [];
      for (const uid of uids) {
        const expectation = ledger.get(uid)!;
        const found = (await graphql(survivor.url, `query($uid: String) { artifact(uid: $uid) { hash branch storageOngoing } }`, { uid })).data.artifact;
        if (expectation.deleted) {
          if (found) wrong += 1;
        } else if (!found) {
          if (!expectation.mayBeDeleted) lost += 1;
        } else if (
          found.storageOngoing ||
          (found.hash !== expectation.hash && !expectation.possibleHashes.has(found.hash)) ||
          (expectation.trashed && found.branch !== 'TRASH') ||
          (found.branch === 'TRASH' && !expectation.trashed && !expectation.mayBeTrashed)
        ) {
          wrong += 1;
          problems.push({ uid, found, expectation: { ...expectation, possibleHashes: [...expectation.possibleHashes] } });
        }
      }
      console.log(`crash test: ${kills} kills, ${uids.length} acknowledged artifacts, lost ${lost}, wrong ${wrong}, recovery ${JSON.stringify({ finished: repaired.data.repair.recovery.finished.length, undone: repaired.data.repair.recovery.undone.length })}`);
      expect({ lost, wrong, problems }).toEqual({ lost: 0, wrong: 0, problems: [] });
    } finally {
      await survivor.stop();
    }
  }, 1_800_000);
});
