// GraphQL shapes of the domain's expected errors: every one implements `Error { code message }`.
import {
  BulkSaveFailedError,
  FileExistsError,
  LeaseLostError,
  StorageBusyError,
  HashExistsError,
  InvalidInputError,
  KeyOccupiedError,
  NotFoundError,
  StorageFailedError,
  StorageInUseError,
  RecordInUseError,
  TroveError,
  VersionTagTakenError,
} from '../domain/errors';
import { builder } from './builder';

export const ErrorInterface = builder.interfaceRef<TroveError>('Error').implement({
  description: 'An expected failure: `code` is stable for programs, `message` tells a person what to do.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(TroveError, {
  name: 'OperationError',
  description: 'A failure without a more specific type.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof TroveError && value.constructor === TroveError,
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInput',
  description: 'The input was refused before anything was stored.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidInputError,
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'Path of the offending input field.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFound',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    entity: t.exposeString('entity'),
    identifier: t.exposeString('identifier'),
  }),
});

builder.objectType(HashExistsError, {
  name: 'HashExists',
  description: 'Saving with ifHashExists: ERROR found an artifact with this content.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof HashExistsError,
  fields: (t) => ({ existingUid: t.exposeString('existingUid') }),
});

builder.objectType(StorageFailedError, {
  name: 'StorageFailed',
  description: 'The storage refused or failed; nothing was saved. `storageCode` is the storage\'s own code, e.g. AccessDenied.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof StorageFailedError,
  fields: (t) => ({ storageCode: t.exposeString('storageCode') }),
});

builder.objectType(VersionTagTakenError, {
  name: 'VersionTagTaken',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof VersionTagTakenError,
  fields: (t) => ({ versionTag: t.exposeString('versionTag') }),
});

builder.objectType(KeyOccupiedError, {
  name: 'KeyOccupied',
  description: 'A real key whose object belongs to another artifact.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof KeyOccupiedError,
  fields: (t) => ({ key: t.exposeString('key'), occupiedByUid: t.exposeString('occupiedByUid') }),
});

builder.objectType(BulkSaveFailedError, {
  name: 'BulkSaveFailed',
  description: 'One input of saveArtifacts failed after validation; `savedUids` stay saved unless the save was atomic.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof BulkSaveFailedError,
  fields: (t) => ({
    failedIndex: t.exposeInt('failedIndex'),
    reasonCode: t.string({ resolve: (error) => error.reason.code }),
    savedUids: t.exposeStringList('savedUids'),
    rolledBack: t.exposeBoolean('rolledBack'),
  }),
});

builder.objectType(StorageBusyError, {
  name: 'StorageBusy',
  description: "Storage work on this artifact or key is in progress (its lease is live): try again when it is done.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof StorageBusyError,
});

builder.objectType(FileExistsError, {
  name: 'FileExists',
  description: 'A real key where a file lies that no artifact owns; Trove never overwrites what it did not write.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof FileExistsError,
  fields: (t) => ({ key: t.exposeString('key') }),
});

builder.objectType(RecordInUseError, {
  name: 'RecordInUse',
  description:
    'The record cannot be deleted for good because others depend on it: LABEL_IN_USE (artifacts carry it, or it types other labels), RUN_IN_USE or TRANSFORM_IN_USE (artifacts were created by the run, or by runs of the transform).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RecordInUseError,
});

builder.objectType(StorageInUseError, {
  name: 'StorageInUse',
  description: 'The storage cannot be unregistered: STORAGE_NOT_EMPTY (artifacts, uploads or storage work) or STORAGE_IS_DEFAULT.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof StorageInUseError,
});

builder.objectType(LeaseLostError, {
  name: 'LeaseLost',
  description: 'The work outlived its lease and recovery took it over; look at the artifact again shortly.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof LeaseLostError,
});

/** Errors any artifact-saving mutation can answer with. */
export const artifactSaveErrors = [
  StorageBusyError,
  FileExistsError,
  LeaseLostError,
  InvalidInputError,
  NotFoundError,
  HashExistsError,
  StorageFailedError,
  VersionTagTakenError,
  KeyOccupiedError,
];
