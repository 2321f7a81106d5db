// Expected failures of domain operations. Each has a stable `code` clients can switch on; the GraphQL layer
// returns them as typed results, never as masked errors.
export class TroveError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** What GraphQL clients get in `extensions` beside `code` when this error is not a typed result. */
  details(): Record<string, unknown> {
    return {};
  }
}

export class InvalidInputError extends TroveError {
  constructor(
    message: string,
    /** Path of the offending input field, e.g. `inputs.2.key`. */
    readonly field?: string,
  ) {
    super('INVALID_INPUT', message);
  }

  override details(): Record<string, unknown> {
    return this.field ? { field: this.field } : {};
  }
}

export class NotFoundError extends TroveError {
  constructor(
    readonly entity: string,
    readonly identifier: string,
  ) {
    super('NOT_FOUND', `no ${entity} with ${identifier}`);
  }
}

/** Saving content that an artifact already has, with `ifHashExists: ERROR`. */
export class HashExistsError extends TroveError {
  constructor(readonly existingUid: string) {
    super('HASH_EXISTS', `artifact ${existingUid} already has this content; use it, or save with ifHashExists: CREATE_NEW`);
  }
}

/** The storage refused or failed an operation; `storageCode` is the storage's own code (e.g. AccessDenied). */
export class StorageFailedError extends TroveError {
  constructor(
    readonly storageCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('STORAGE_ERROR', message, options);
  }
}

export class VersionTagTakenError extends TroveError {
  constructor(readonly versionTag: string) {
    super('VERSION_TAG_TAKEN', `version tag "${versionTag}" is already used by another version of this artifact`);
  }
}

/** A real key whose object belongs to another artifact. */
export class KeyOccupiedError extends TroveError {
  constructor(
    readonly key: string,
    readonly occupiedByUid: string,
  ) {
    super('KEY_OCCUPIED', `the real key "${key}" is the stored object of artifact ${occupiedByUid}; replace that artifact or use a virtual key`);
  }
}

/** One input of a bulk save failed after others were stored. */
export class BulkSaveFailedError extends TroveError {
  constructor(
    readonly failedIndex: number,
    readonly reason: TroveError,
    /** Artifacts that stay saved (empty when the save was atomic and rolled back). */
    readonly savedUids: string[],
    readonly rolledBack: boolean,
  ) {
    super(
      'BULK_SAVE_FAILED',
      rolledBack
        ? `input ${failedIndex} failed (${reason.message}); the bulk save was atomic, so nothing was kept`
        : `input ${failedIndex} failed (${reason.message}); these artifacts were saved before it and are kept: ${savedUids.join(', ') || 'none'}`,
    );
  }
}

/** The caller's role is not enough (FORBIDDEN), or a token is needed and none was sent (UNAUTHENTICATED). */
export class ForbiddenError extends TroveError {
  constructor(
    message: string,
    /** The role the operation needs: read, write or admin. */
    readonly neededRole: string,
    code: 'FORBIDDEN' | 'UNAUTHENTICATED' = 'FORBIDDEN',
  ) {
    super(code, message);
  }

  override details(): Record<string, unknown> {
    return { neededRole: this.neededRole };
  }
}

/** Creating a named record whose name resembles existing ones: nothing was created, a person decides. */
export class SimilarNamesError<T = unknown> extends TroveError {
  constructor(
    readonly requestedName: string,
    readonly similar: { record: T; score: number }[],
  ) {
    super('SIMILAR_NAMES', `similar names exist for "${requestedName}": use one of them, or create it anyway with searchNames: false`);
  }
}

/** Storage work on this artifact or key is owned by a live run (a save, replace or delete in progress). */
export class StorageBusyError extends TroveError {
  constructor(message: string) {
    super('STORAGE_BUSY', message);
  }
}

/**
 * A record that may not be deleted for good because others depend on it, as LaminDB protects them: a label that
 * artifacts carry or that types other labels (LABEL_IN_USE), a run or transform whose runs created artifacts
 * (RUN_IN_USE, TRANSFORM_IN_USE), an artifact in a collection or indexing one (ARTIFACT_IN_COLLECTION).
 */
export class RecordInUseError extends TroveError {
  constructor(code: 'LABEL_IN_USE' | 'RUN_IN_USE' | 'TRANSFORM_IN_USE' | 'ARTIFACT_IN_COLLECTION', message: string) {
    super(code, message);
  }
}

/** A storage that may not be unregistered: it holds artifacts (STORAGE_NOT_EMPTY) or is the default (STORAGE_IS_DEFAULT). */
export class StorageInUseError extends TroveError {
  constructor(code: 'STORAGE_NOT_EMPTY' | 'STORAGE_IS_DEFAULT', message: string) {
    super(code, message);
  }
}

/** A run's lease ran out while its work went on, and recovery took the work over. */
export class LeaseLostError extends TroveError {
  constructor(what: string) {
    super('LEASE_LOST', `${what} took longer than its lease and was taken over by recovery; look at the artifact again shortly`);
  }
}

/** A real key where a file lies that no artifact owns: Trove never overwrites what it did not write. */
export class FileExistsError extends TroveError {
  constructor(readonly key: string) {
    super('FILE_EXISTS', `a file that no artifact owns is at "${key}"; register it with path, move it away, or choose another key`);
  }
}

/** A unique index whose name contains `index` refused a write (Prisma's P2002, or PostgreSQL's 23505 from a raw
 * statement). */
export function isUniqueViolation(error: unknown, index: string): boolean {
  const text = `${(error as Error)?.message ?? ''} ${JSON.stringify((error as { meta?: unknown })?.meta ?? '')}`;
  const code = (error as { code?: string })?.code;
  return (code === 'P2002' || (code === 'P2010' && text.includes('23505'))) && text.includes(index);
}
