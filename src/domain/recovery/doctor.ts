// The doctor compares both stores and reports every disagreement; `repair` applies the sweep's rules.
import { hashObject } from '../../storage/hash-object';
import { AUTO_KEY_PREFIX, LEGACY_STORAGE_MARKER_KEY, STAGING_PREFIX, STORAGE_MARKER_KEY, ancestorsOf, stagingOwners } from '../../storage/keys';
import type { ObjectInfo } from '../../storage/object-store';
import type { ArtifactServices } from '../artifacts/services';
import { folderContent } from '../artifacts/staging';

/** LaminDB's storage markers live under .lamindb/ and belong to the storage, not to an artifact. */
const STORAGE_MARKERS = new Set([STORAGE_MARKER_KEY, LEGACY_STORAGE_MARKER_KEY]);

export interface DoctorFinding {
  storage: string;
  key: string;
  uid?: string;
  detail: string;
}

export interface DoctorReport {
  /** Artifacts whose object is missing. */
  rowsWithoutObjects: DoctorFinding[];
  /** Objects under managed prefixes (.lamindb/, .trove/staging/) that no artifact, operation or upload owns. */
  objectsWithoutRows: DoctorFinding[];
  sizeMismatches: DoctorFinding[];
  /** Only with `deep`: objects whose content hash differs from the row's. */
  hashMismatches: DoctorFinding[];
  /** Artifacts still flagged `storageOngoing` past the grace period. */
  staleOngoing: DoctorFinding[];
  /** Storage operations owed past the grace period. */
  staleOperations: DoctorFinding[];
  /** Storages that could not be listed (credentials, network). */
  unreachable: DoctorFinding[];
  clean: boolean;
}

export async function doctor(services: ArtifactServices, options: { graceMs: number; deep?: boolean }): Promise<DoctorReport> {
  const { db, stores } = services;
  const cutoff = new Date(Date.now() - options.graceMs);
  const report: DoctorReport = {
    rowsWithoutObjects: [],
    objectsWithoutRows: [],
    sizeMismatches: [],
    hashMismatches: [],
    staleOngoing: [],
    staleOperations: [],
    unreachable: [],
    clean: true,
  };
  for (const storage of await db.storage.findMany()) {
    const store = stores.storeFor(storage.root);
    const objects = new Map<string, ObjectInfo>();
    try {
      for await (const object of store.list('')) objects.set(object.key, object);
    } catch (error) {
      report.unreachable.push({ storage: storage.root, key: '', detail: (error as Error).message });
      continue;
    }
    const artifacts = await db.artifact.findMany({ where: { storageId: storage.id } });
    const operations = await db.storageOperation.findMany({ where: { storageId: storage.id } });
    const uploads = await db.uploadSession.findMany({ where: { storageId: storage.id, status: { in: ['OPEN', 'RECEIVED'] } } });
    const owned = new Set([...artifacts.map((a) => a.storageKey), ...operations.map((o) => o.fromKey), ...uploads.map((u) => u.stagingKey)]);

    // Folder artifacts own every object under their key: their files, gathered from the one listing above.
    const folders = new Map(artifacts.filter((artifact) => artifact.nFiles !== null).map((artifact) => [artifact.storageKey, [] as ObjectInfo[]]));
    if (folders.size) {
      for (const [key, object] of objects) for (const folder of ancestorsOf(key)) folders.get(folder)?.push(object);
    }
    const inFolder = new Set([...folders.values()].flatMap((files) => files.map((file) => file.key)));
    // Artifacts whose bytes someone is moving right now (a live lease): legitimately not in place yet.
    const inProgress = new Set(operations.filter((operation) => operation.leaseExpiresAt && operation.leaseExpiresAt >= new Date()).map((operation) => operation.artifactId));
    for (const artifact of artifacts) {
      const finding = { storage: storage.root, key: artifact.storageKey, uid: artifact.uid };
      if (artifact.storageOngoing) {
        if (!inProgress.has(artifact.id) && artifact.updatedAt < cutoff) report.staleOngoing.push({ ...finding, detail: `flagged since ${artifact.updatedAt.toISOString()}` });
        continue;
      }
      const files = folders.get(artifact.storageKey);
      if (files) {
        const size = files.reduce((total, file) => total + file.size, 0);
        if (!files.length) report.rowsWithoutObjects.push({ ...finding, detail: 'no file under the folder key' });
        else if (files.length !== artifact.nFiles || size !== Number(artifact.size)) {
          report.sizeMismatches.push({ ...finding, detail: `row says ${artifact.nFiles} files and ${artifact.size} bytes, the folder has ${files.length} and ${size}` });
        } else if (options.deep) {
          const content = await folderContent(store, files);
          if (content.hash !== artifact.hash) report.hashMismatches.push({ ...finding, detail: `row says ${artifact.hash}, the files hash to ${content.hash}` });
        }
        continue;
      }
      const object = objects.get(artifact.storageKey);
      if (!object) {
        report.rowsWithoutObjects.push({ ...finding, detail: 'no object at the storage key' });
      } else if (object.size !== Number(artifact.size)) {
        report.sizeMismatches.push({ ...finding, detail: `row says ${artifact.size} bytes, object has ${object.size}` });
      } else if (options.deep) {
        const content = await hashObject(store, artifact.storageKey, object.size);
        if (artifact.hashType?.startsWith('md5-') ? false : content.hash !== artifact.hash) {
          report.hashMismatches.push({ ...finding, detail: `row says ${artifact.hash}, content hashes to ${content.hash}` });
        }
      }
    }
    for (const [key, object] of objects) {
      const managed = (key.startsWith(AUTO_KEY_PREFIX) || key.startsWith(STAGING_PREFIX)) && !STORAGE_MARKERS.has(key);
      const recent = options.graceMs > 0 && object.lastModified !== undefined && object.lastModified >= cutoff;
      if (managed && !stagingOwners(key).some((owner) => owned.has(owner)) && !inFolder.has(key) && !recent) {
        report.objectsWithoutRows.push({ storage: storage.root, key, detail: `${object.size} bytes owned by no artifact` });
      }
    }
    // Owed work is stale once nobody holds its lease: recovery takes it over within seconds (repair does it now).
    for (const operation of operations) {
      if (!operation.leaseExpiresAt || operation.leaseExpiresAt < new Date()) {
        report.staleOperations.push({ storage: storage.root, key: operation.fromKey, detail: `${operation.kind} owed since ${operation.createdAt.toISOString()}, lease expired` });
      }
    }
  }
  report.clean = [report.rowsWithoutObjects, report.objectsWithoutRows, report.sizeMismatches, report.hashMismatches, report.staleOngoing, report.staleOperations, report.unreachable].every(
    (findings) => findings.length === 0,
  );
  return report;
}
