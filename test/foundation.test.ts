import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTrove, type TestTrove } from './helpers/trove';

let trove: TestTrove;
beforeAll(async () => {
  trove = await startTestTrove();
});
afterAll(async () => trove?.close());

describe('foundation', () => {
  it('registers the default local storage and lists it', async () => {
    const data = await trove.query(`{ storages { totalCount edges { node { uid root type isDefault } } } }`);
    expect(data.storages.totalCount).toBe(1);
    expect(data.storages.edges[0].node).toMatchObject({ root: trove.localRoot, type: 'LOCAL', isDefault: true });
    expect(data.storages.edges[0].node.uid).toMatch(/^[0-9A-Za-z]{12}$/);
  });

  it('answers /healthz with both stores checked', async () => {
    expect(await trove.gateway.health()).toEqual({ ok: true, database: 'ok', storage: 'ok' });
  });
});
