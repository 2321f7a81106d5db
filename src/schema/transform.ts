import type { Run, Transform } from '../db/generated/client';
import { InvalidInputError, NotFoundError, RecordInUseError, VersionTagTakenError } from '../domain/errors';
import { transformWhere } from '../domain/filters';
import { createTransform, deleteRun, deleteTransform, restoreRun, restoreTransform, updateTransform } from '../domain/transforms';
import { builder } from './builder';
import { nodeConnection } from './connections';
import { BranchEnum, DeleteRecordInput, RestoreRecordInput } from './common';
import { deletePayload, recordPayload } from './payloads';
import { RunConnection, RunType } from './run';

const RestoreRunPayload = recordPayload<{ run: { id: number } }>('RestoreRunPayload', 'run');

export const TransformKindEnum = builder.enumType('TransformKind', {
  values: ['PIPELINE', 'NOTEBOOK', 'SCRIPT', 'FUNCTION'] as const,
});

const TransformFilterInput = builder.inputType('TransformFilter', {
  fields: (t) => ({
    key: t.string({ required: false }),
    keyPrefix: t.string({ required: false }),
    kind: t.field({ type: TransformKindEnum, required: false }),
    isLatest: t.boolean({ required: false }),
    branch: t.field({ type: BranchEnum, required: false, description: 'Default MAIN.' }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
  }),
});

export const TransformType = builder.prismaNode('Transform', {
  id: { field: 'uid' },
  description: 'A pipeline, notebook, script or function that runs produce artifacts with.',
  fields: (t) => ({
    uid: t.exposeString('uid', { description: '12-character stem shared by all versions + 4-character version.' }),
    key: t.exposeString('key'),
    description: t.exposeString('description', { nullable: true }),
    kind: t.expose('kind', { type: TransformKindEnum }),
    version: t.string({ resolve: (transform) => transform.uid.slice(12) }),
    versionTag: t.exposeString('versionTag', { nullable: true }),
    isLatest: t.exposeBoolean('isLatest'),
    branch: t.expose('branch', { type: BranchEnum }),
    hash: t.exposeString('hash', { nullable: true }),
    sourceCode: t.exposeString('sourceCode', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy'),
    runs: t.relatedConnection(
      'runs',
      { cursor: 'uid', totalCount: true, description: 'Runs of this version (MAIN branch), newest first.', query: () => ({ where: { branch: 'MAIN' }, orderBy: [{ startedAt: 'desc' }, { uid: 'asc' }] }) },
      RunConnection,
    ),
  }),
});

const TransformConnection = nodeConnection('Transform', TransformType);

// Through the request's loader: one statement for the runs of a whole page (see db/read-loaders.ts).
builder.prismaObjectFields('Run', (t) => ({
  transform: t.field({
    type: TransformType,
    resolve: (run, _args, context) => context.loaders.transform.load(run.transformId),
  }),
}));

builder.queryFields((t) => ({
  transform: t.prismaField({
    authScopes: { read: true },
    type: 'Transform',
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.transform.findUnique({ ...query, where: { uid: args.uid } }),
  }),
  transforms: t.prismaConnection(
    {
      authScopes: { read: true },
      type: 'Transform',
      cursor: 'uid',
      args: { filter: t.arg({ type: TransformFilterInput, required: false }) },
      totalCount: (_connection, args, context) => context.db.transform.count({ where: transformWhere(args.filter ?? {}) }),
      resolve: (query, _root, args, context) =>
        context.db.transform.findMany({ ...query, where: transformWhere(args.filter ?? {}), orderBy: [{ key: 'asc' }, { uid: 'asc' }] }),
    },
    TransformConnection,
  ),
}));

const CreateTransformInput = builder.inputType('CreateTransformInput', {
  fields: (t) => ({
    key: t.string({ required: false, description: 'e.g. "pipelines/ingest.py"; required unless revisesUid is given (default: its key).' }),
    kind: t.field({ type: TransformKindEnum, required: false, description: 'Required unless revisesUid is given (default: its kind).' }),
    revisesUid: t.string({ required: false, description: "A new version of this transform's family (LaminDB's revises), also under a new key." }),
    sourceCode: t.string({ required: false }),
    versionTag: t.string({ required: false }),
    description: t.string({ required: false }),
  }),
});

const TransformPayload = builder.objectRef<{ transform: Transform; created: boolean }>('TransformPayload').implement({
  fields: (t) => ({
    created: t.exposeBoolean('created', { description: 'False when the same key and source already existed.' }),
    transform: t.field({ type: TransformType, resolve: (payload) => payload.transform }),
  }),
});

builder.mutationField('createTransform', (t) =>
  t.field({
    authScopes: { write: true },
    type: TransformPayload,
    description: 'Same key and source: the existing transform. Same key, new source: the next version.',
    args: { input: t.arg({ type: CreateTransformInput, required: true }) },
    errors: { types: [InvalidInputError, VersionTagTakenError], union: { name: 'CreateTransformResult' } },
    resolve: (_root, { input }, context) => createTransform(context.db, input, context.user.id),
  }),
);

const UpdateTransformInput = builder.inputType('UpdateTransformInput', {
  description: 'Fields to change; an omitted field stays as it is, null clears it. A renamed script is a new version: createTransform with revisesUid.',
  fields: (t) => ({
    uid: t.string({ required: true }),
    description: t.string({ required: false }),
    versionTag: t.string({ required: false, description: 'Unique among the versions of the transform.' }),
  }),
});

builder.mutationField('updateTransform', (t) =>
  t.field({
    authScopes: { write: true },
    type: TransformPayload,
    description: "Edits a transform's description or version tag.",
    args: { input: t.arg({ type: UpdateTransformInput, required: true }) },
    errors: { types: [NotFoundError, VersionTagTakenError], union: { name: 'UpdateTransformResult' } },
    resolve: async (_root, { input }, context) => ({ transform: await updateTransform(context.db, input), created: false }),
  }),
);

const DeleteTransformPayload = deletePayload<Transform>('DeleteTransformPayload', 'Transform');
builder.objectField(DeleteTransformPayload, 'transform', (t) =>
  t.field({ type: TransformType, nullable: true, description: 'The trashed transform (null when deleted for good).', resolve: (payload) => (payload.permanent ? null : payload.record) }),
);
const DeleteRunPayload = deletePayload<Run>('DeleteRunPayload', 'Run');
builder.objectField(DeleteRunPayload, 'run', (t) =>
  t.field({ type: RunType, nullable: true, description: 'The trashed run (null when deleted for good).', resolve: (payload) => (payload.permanent ? null : payload.record) }),
);

builder.mutationFields((t) => ({
  deleteTransform: t.field({
    authScopes: { write: true },
    type: DeleteTransformPayload,
    description:
      'Moves a transform version to the trash (its runs stay), or with permanent: true deletes it for good with its runs (LaminDB); refused with TRANSFORM_IN_USE while its runs created artifacts or collections. The newest version left becomes the latest.',
    args: { input: t.arg({ type: DeleteRecordInput, required: true }) },
    errors: { types: [NotFoundError, RecordInUseError], union: { name: 'DeleteTransformResult' } },
    resolve: async (_root, { input }, context) => ({ record: await deleteTransform(context.db, input.uid, input.permanent ?? false), permanent: input.permanent ?? false }),
  }),
  restoreTransform: t.field({
    authScopes: { write: true },
    type: TransformPayload,
    description: 'Brings a transform version back from the trash (the latest again unless a newer version is in MAIN).',
    args: { input: t.arg({ type: RestoreRecordInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'RestoreTransformResult' } },
    resolve: async (_root, { input }, context) => ({ transform: await restoreTransform(context.db, input.uid), created: false }),
  }),
  deleteRun: t.field({
    authScopes: { write: true },
    type: DeleteRunPayload,
    description:
      'Moves a run to the trash, or with permanent: true deletes it for good with its input links; refused with RUN_IN_USE while artifacts or collections it created exist.',
    args: { input: t.arg({ type: DeleteRecordInput, required: true }) },
    errors: { types: [NotFoundError, RecordInUseError], union: { name: 'DeleteRunResult' } },
    resolve: async (_root, { input }, context) => ({ record: await deleteRun(context.db, input.uid, input.permanent ?? false), permanent: input.permanent ?? false }),
  }),
  restoreRun: t.field({
    authScopes: { write: true },
    type: RestoreRunPayload,
    description: 'Brings a run back from the trash.',
    args: { input: t.arg({ type: RestoreRecordInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'RestoreRunResult' } },
    resolve: async (_root, { input }, context) => ({ run: await restoreRun(context.db, input.uid) }),
  }),
}));
