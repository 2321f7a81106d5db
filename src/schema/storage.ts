import type { Storage } from '../db/generated/client';
import { deleteStorage, registerStorage, setDefaultStorage } from '../domain/storages';
import { InvalidInputError, NotFoundError, StorageInUseError } from '../domain/errors';
import { ArtifactConnection } from './artifact';
import type { ObjectRef } from '@pothos/core';
import { builder, type TroveSchemaTypes } from './builder';
import { nodeConnection } from './connections';

const StorageTypeEnum = builder.enumType('StorageType', { values: ['LOCAL', 'S3'] as const });

export const StorageObject = builder.prismaNode('Storage', {
  id: { field: 'uid' },
  description: 'A place where artifact bytes live: a local folder or an S3 bucket prefix.',
  fields: (t) => ({
    uid: t.exposeString('uid'),
    root: t.exposeString('root', { description: 'An absolute local path or s3://bucket/prefix.' }),
    type: t.expose('type', { type: StorageTypeEnum }),
    region: t.exposeString('region', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    isDefault: t.exposeBoolean('isDefault'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy'),
    artifacts: t.relatedConnection(
      'artifacts',
      { cursor: 'uid', totalCount: true, query: () => ({ where: { branch: 'MAIN' }, orderBy: [{ createdAt: 'desc' }, { uid: 'asc' }] }) },
      ArtifactConnection,
    ),
  }),
});

const StorageConnection = nodeConnection('Storage', StorageObject);

// Through the request's loader: one statement for a whole page of artifacts (see db/read-loaders.ts).
builder.prismaObjectFields('Artifact', (t) => ({
  storage: t.field({
    type: StorageObject,
    resolve: (artifact, _args, context) => context.loaders.storage.load(artifact.storageId),
  }),
}));

builder.queryField('storages', (t) =>
  t.prismaConnection(
    {
      authScopes: { read: true },
      type: 'Storage',
      cursor: 'uid',
      totalCount: (_connection, _args, context) => context.db.storage.count(),
      resolve: (query, _root, _args, context) =>
        context.db.storage.findMany({ ...query, orderBy: [{ isDefault: 'desc' }, { createdAt: 'asc' }, { uid: 'asc' }] }),
    },
    StorageConnection,
  ),
);

builder.queryField('storage', (t) =>
  t.prismaField({
    authScopes: { read: true },
    type: 'Storage',
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.storage.findUnique({ ...query, where: { uid: args.uid } }),
  }),
);

const RegisterStorageInput = builder.inputType('RegisterStorageInput', {
  fields: (t) => ({
    root: t.string({ required: true, description: 'An absolute local path or s3://bucket/prefix, inside TROVE_ALLOWED_ROOTS.' }),
    description: t.string({ required: false }),
    region: t.string({ required: false, description: 'S3 region (default us-east-1).' }),
  }),
});

const RegisterStoragePayload = builder.objectRef<{ created: boolean; storageUid: string }>('RegisterStoragePayload').implement({
  fields: (t) => ({
    created: t.exposeBoolean('created', { description: 'False when the root was already registered.' }),
  }),
});

/** A payload's `storage`, loaded with the selection the client asked for. */
function storageField(payload: ObjectRef<TroveSchemaTypes, { storageUid: string }>) {
  builder.objectField(payload, 'storage', (t) =>
    t.prismaField({ type: 'Storage', resolve: (query, { storageUid }, _args, context) => context.db.storage.findUniqueOrThrow({ ...query, where: { uid: storageUid } }) }),
  );
}
storageField(RegisterStoragePayload);

builder.mutationField('registerStorage', (t) =>
  t.field({
    authScopes: { admin: true },
    type: RegisterStoragePayload,
    description: 'Registers a storage root that artifacts can be saved to (with `storageUid`).',
    args: { input: t.arg({ type: RegisterStorageInput, required: true }) },
    errors: { types: [InvalidInputError], union: { name: 'RegisterStorageResult' } },
    resolve: async (_root, { input }, context) => {
      const { storage, created } = await registerStorage(context.db, input, context.user, context.config, context.stores);
      return { created, storageUid: storage.uid };
    },
  }),
);

const DeleteStorageInput = builder.inputType('DeleteStorageInput', {
  fields: (t) => ({ uid: t.string({ required: true }) }),
});

const DeleteStoragePayload = builder.objectRef<Storage>('DeleteStoragePayload').implement({
  description: 'The storage that was unregistered (its record is gone; objects in its root other than the marker stay).',
  fields: (t) => ({
    uid: t.exposeString('uid'),
    root: t.exposeString('root'),
  }),
});

builder.mutationField('deleteStorage', (t) =>
  t.field({
    authScopes: { admin: true },
    type: DeleteStoragePayload,
    description:
      'Unregisters a storage that holds no artifact, trash included (LaminDB: Storage.delete). Refused with STORAGE_NOT_EMPTY or STORAGE_IS_DEFAULT; removes the storage marker, never other objects.',
    args: { input: t.arg({ type: DeleteStorageInput, required: true }) },
    errors: { types: [NotFoundError, StorageInUseError], union: { name: 'DeleteStorageResult' } },
    resolve: (_root, { input }, context) => deleteStorage(context.db, context.stores, input.uid),
  }),
);

const SetDefaultStorageInput = builder.inputType('SetDefaultStorageInput', {
  fields: (t) => ({ uid: t.string({ required: true }) }),
});

const SetDefaultStoragePayload = builder.objectRef<{ storageUid: string }>('SetDefaultStoragePayload').implement({ fields: () => ({}) });
storageField(SetDefaultStoragePayload);

builder.mutationField('setDefaultStorage', (t) =>
  t.field({
    authScopes: { admin: true },
    type: SetDefaultStoragePayload,
    description:
      'Makes a registered storage the default for saves without storageUid. It lasts across restarts, unless TROVE_STORAGE is set: that root is made the default again at every start.',
    args: { input: t.arg({ type: SetDefaultStorageInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'SetDefaultStorageResult' } },
    resolve: async (_root, { input }, context) => ({ storageUid: (await setDefaultStorage(context.db, input.uid)).uid }),
  }),
);
