// The check most data-safety tests end with: the doctor finds both stores in agreement, nothing is left staged and no
// storage work is owed.
import { expect } from 'vitest';
import type { ArtifactServices } from '../../src/domain/artifacts/services';
import { doctor } from '../../src/domain/recovery/doctor';
import type { ObjectStore } from '../../src/storage/object-store';
import { stagingKeys } from './storage-state';

export async function expectStoresAgree(services: ArtifactServices, store: ObjectStore): Promise<void> {
  expect(await doctor(services, { graceMs: 0, deep: true })).toMatchObject({ clean: true });
  expect(await stagingKeys(store)).toEqual([]);
  expect(await services.db.storageOperation.count()).toBe(0);
}
