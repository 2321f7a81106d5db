import type { Run, Transform } from '../db/generated/client';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { InvalidInputError, NotFoundError, RecordInUseError, VersionTagTakenError } from '../domain/errors';
import { transformWhere } from '../domain/filters';
import { createTransform, deleteRun, deleteTransform, updateTransform } from '../domain/transforms';
import { builder } from './builder';
import { nodeConnection } from './connections';
import { RunConnection } from './run';

export const TransformKindEnum = builder.enumType('TransformKind', {
  values: ['PIPELINE', 'NOTEBOOK', 'SCRIPT', 'FUNCTION'] as const,
});

const TransformFilterInput = builder.inputType('TransformFilter', {
  fields: (t) => ({
    key: t.string({ required: false }),
    keyPrefix: t.string({ required: false }),
    kind: t.field({ type: TransformKindEnum, required: false }),
    isLatest: t.boolean({ required: false }),
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
    hash: t.exposeString('hash', { nullable: true }),
    sourceCode: t.exposeString('sourceCode', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy'),
    runs: t.relatedConnection('runs', { cursor: 'uid', totalCount: true, query: () => ({ orderBy: [{ startedAt: 'desc' }, { uid: 'asc' }] }) }, RunConnection),
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

const DeleteRecordInput = builder.inputType('DeleteRecordInput', { fields: (t) => ({ uid: t.string({ required: true }) }) });

/** What a permanent delete answers: the uid and Relay id of the record that is gone. */
function deletedPayload<T extends { uid: string }>(name: string, nodeType: string) {
  return builder.objectRef<T>(name).implement({
    fields: (t) => ({
      uid: t.string({ resolve: (record) => record.uid }),
      deletedId: t.id({ resolve: (record) => encodeGlobalID(nodeType, record.uid) }),
    }),
  });
}
const DeleteTransformPayload = deletedPayload<Transform>('DeleteTransformPayload', 'Transform');
const DeleteRunPayload = deletedPayload<Run>('DeleteRunPayload', 'Run');

builder.mutationFields((t) => ({
  deleteTransform: t.field({
    authScopes: { write: true },
    type: DeleteTransformPayload,
    description: 'Deletes a transform version for good with its runs (LaminDB); refused with TRANSFORM_IN_USE while its runs created artifacts. The version before it becomes the latest.',
    args: { input: t.arg({ type: DeleteRecordInput, required: true }) },
    errors: { types: [NotFoundError, RecordInUseError], union: { name: 'DeleteTransformResult' } },
    resolve: (_root, { input }, context) => deleteTransform(context.db, input.uid),
  }),
  deleteRun: t.field({
    authScopes: { write: true },
    type: DeleteRunPayload,
    description: 'Deletes a run for good with its input links; refused with RUN_IN_USE while artifacts it created exist.',
    args: { input: t.arg({ type: DeleteRecordInput, required: true }) },
    errors: { types: [NotFoundError, RecordInUseError], union: { name: 'DeleteRunResult' } },
    resolve: (_root, { input }, context) => deleteRun(context.db, input.uid),
  }),
}));
