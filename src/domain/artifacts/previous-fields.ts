// What a replace or a move changes on an artifact, kept with the owed promotion so that recovery can undo an
// unfinished one.
import type { Artifact } from '../../db/generated/client';

export interface PreviousFields {
  key: string | null;
  suffix: string;
  storageKey: string;
  size: string | null;
  hash: string | null;
  hashType: string | null;
  fullChecksum: string | null;
  /** A folder's file count (recorded since folders can be replaced). */
  nFiles?: number | null;
  /** The storage the artifact was in, recorded by a move (absent: the promotion's own storage). */
  storageId?: number;
  /** Fields edited together with a real key's change, put back with it. */
  description?: string | null;
  kind?: string | null;
  versionTag?: string | null;
}

export function previousFields(artifact: Artifact): PreviousFields {
  const { key, suffix, storageKey, size, hash, hashType, fullChecksum, nFiles } = artifact;
  return { key, suffix, storageKey, size: size === null ? null : size.toString(), hash, hashType, fullChecksum, nFiles };
}

/** The artifact's columns as they were, from what was recorded. */
export function restoredFields(previous: PreviousFields) {
  return { ...previous, size: previous.size === null ? null : BigInt(previous.size) };
}
