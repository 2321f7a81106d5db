// Collection (LaminDB's versioned, ordered set of artifacts): the type, its queries and mutations, and the fields
// that reach collections from artifacts and runs.
import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import type { Collection, Prisma } from '../db/generated/client';
import { createCollection, deleteCollection, restoreCollection, updateCollection } from '../domain/collections';
import { InvalidInputError, NotFoundError, VersionTagTakenError } from '../domain/errors';
import { collectionWhere } from '../domain/filters';
import { ArtifactConnection, ArtifactType } from './artifact';
import { builder } from './builder';
import { BranchEnum, DeleteRecordInput, RestoreRecordInput } from './common';
import { nodeConnection, nodeWithId } from './connections';
import { deletePayload } from './payloads';
import { RunConnection, RunType } from './run';

const CollectionFilterInput = builder.inputType('CollectionFilter', {
  fields: (t) => ({
    key: t.string({ required: false }),
    keyPrefix: t.string({ required: false }),
    uidPrefix: t.string({ required: false, description: "uids starting with this, e.g. a family's 16-character stem (all its versions)." }),
    descriptionContains: t.string({ required: false, description: 'Case-insensitive fragment of the description.' }),
    hash: t.string({ required: false, description: 'Finds trashed collections too unless `branch` is given.' }),
    artifactUid: t.string({ required: false, description: 'Collections that contain this artifact.' }),
    runUid: t.string({ required: false, description: 'Collections this run created.' }),
    isLatest: t.boolean({ required: false }),
    branch: t.field({ type: BranchEnum, required: false, description: 'Default MAIN.' }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Inclusive.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Exclusive.' }),
  }),
});

// A collection's artifacts in their order, paged over the link rows inside the collection's own query.
const members = prismaConnectionHelpers(builder, 'CollectionArtifact', {
  cursor: 'collectionId_position',
  select: (nodeSelection) => ({ artifact: nodeWithId(nodeSelection) }),
  query: { orderBy: { position: 'asc' } },
  resolveNode: (link) => link.artifact,
});

export const CollectionType = builder.prismaNode('Collection', {
  id: { field: 'uid' },
  description: "A named, versioned, ordered set of artifacts (LaminDB's Collection).",
  fields: (t) => ({
    uid: t.exposeString('uid', { description: '16-character stem shared by all versions + 4-character version.' }),
    key: t.exposeString('key'),
    name: t.string({ description: 'The last segment of the key.', resolve: (collection) => collection.key.split('/').pop()! }),
    description: t.exposeString('description', { nullable: true }),
    hash: t.exposeString('hash', { nullable: true, description: "LaminDB's hash_set over the artifacts' hashes: the same set gives the same hash." }),
    reference: t.exposeString('reference', { nullable: true }),
    referenceType: t.exposeString('referenceType', { nullable: true }),
    version: t.string({ description: 'The version part of the uid (0000, 0001, ...).', resolve: (collection) => collection.uid.slice(16) }),
    versionTag: t.exposeString('versionTag', { nullable: true }),
    isLatest: t.exposeBoolean('isLatest'),
    branch: t.expose('branch', { type: BranchEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy'),
    metaArtifact: t.relation('metaArtifact', { nullable: true, description: 'An artifact that indexes the collection.' }),
    run: t.relation('run', { nullable: true, description: 'The run that created the collection.' }),
    artifacts: t.connection(
      {
        type: ArtifactType,
        description: 'The artifacts, in the order the collection was created with.',
        select: (args, context, nestedSelection) => ({
          artifacts: members.getQuery(args, context, nestedSelection),
          _count: { select: { artifacts: true } },
        }),
        resolve: (collection, args, context) => ({ ...members.resolve(collection.artifacts, args, context), totalCount: collection._count.artifacts }),
      },
      ArtifactConnection,
    ),
  }),
});

export const CollectionConnection = nodeConnection('Collection', CollectionType);

/** Every version of a collection shares the 16-character stem of its uid. */
const familyOf = (uid: string) => ({ uid: { startsWith: uid.slice(0, 16) } });

// Lineage links, in the order they were recorded (see run.ts for the artifact side).
const collectionsReadByRun = prismaConnectionHelpers(builder, 'RunInputCollection', {
  cursor: 'runId_collectionId',
  select: (nodeSelection) => ({ collection: nodeWithId(nodeSelection) }),
  query: { orderBy: [{ createdAt: 'asc' }, { collectionId: 'asc' }] as Prisma.RunInputCollectionOrderByWithRelationInput },
  resolveNode: (link) => link.collection,
});
const runsReadingCollection = prismaConnectionHelpers(builder, 'RunInputCollection', {
  cursor: 'runId_collectionId',
  select: (nodeSelection) => ({ run: nodeWithId(nodeSelection) }),
  query: { orderBy: [{ createdAt: 'asc' }, { runId: 'asc' }] as Prisma.RunInputCollectionOrderByWithRelationInput },
  resolveNode: (link) => link.run,
});
const runsRecreatingCollection = prismaConnectionHelpers(builder, 'CollectionRecreatingRun', {
  cursor: 'collectionId_runId',
  select: (nodeSelection) => ({ run: nodeWithId(nodeSelection) }),
  query: { orderBy: [{ createdAt: 'asc' }, { runId: 'asc' }] as Prisma.CollectionRecreatingRunOrderByWithRelationInput },
  resolveNode: (link) => link.run,
});
const collectionsOfArtifact = prismaConnectionHelpers(builder, 'CollectionArtifact', {
  cursor: 'collectionId_artifactId',
  select: (nodeSelection) => ({ collection: nodeWithId(nodeSelection) }),
  query: { where: { collection: { branch: 'MAIN' } }, orderBy: { collectionId: 'asc' } },
  resolveNode: (link) => link.collection,
});

builder.prismaObjectFields('Collection', (t) => ({
  versions: t.prismaConnection(
    {
      type: 'Collection',
      cursor: 'uid',
      description: 'All versions of this collection (any branch), oldest first.',
      totalCount: (collection, _args, context) => context.db.collection.count({ where: familyOf(collection.uid) }),
      resolve: (query, collection, _args, context) => context.db.collection.findMany({ ...query, where: familyOf(collection.uid), orderBy: { id: 'asc' } }),
    },
    CollectionConnection,
  ),
  inputOfRuns: t.connection(
    {
      type: RunType,
      description: 'Runs that read this collection.',
      select: (args, context, nestedSelection) => ({
        inputOfRuns: runsReadingCollection.getQuery(args, context, nestedSelection),
        _count: { select: { inputOfRuns: true } },
      }),
      resolve: (collection, args, context) => ({ ...runsReadingCollection.resolve(collection.inputOfRuns, args, context), totalCount: collection._count.inputOfRuns }),
    },
    RunConnection,
  ),
  recreatingRuns: t.connection(
    {
      type: RunType,
      description: 'Runs that created this collection again after it existed.',
      select: (args, context, nestedSelection) => ({
        recreatingRuns: runsRecreatingCollection.getQuery(args, context, nestedSelection),
        _count: { select: { recreatingRuns: true } },
      }),
      resolve: (collection, args, context) => ({
        ...runsRecreatingCollection.resolve(collection.recreatingRuns, args, context),
        totalCount: collection._count.recreatingRuns,
      }),
    },
    RunConnection,
  ),
}));

builder.prismaObjectFields('Artifact', (t) => ({
  collections: t.connection(
    {
      type: CollectionType,
      description: 'Collections (MAIN branch) that contain this artifact.',
      select: (args, context, nestedSelection) => ({
        collections: collectionsOfArtifact.getQuery(args, context, nestedSelection),
        _count: { select: { collections: { where: { collection: { branch: 'MAIN' } } } } },
      }),
      resolve: (artifact, args, context) => ({ ...collectionsOfArtifact.resolve(artifact.collections, args, context), totalCount: artifact._count.collections }),
    },
    CollectionConnection,
  ),
}));

builder.prismaObjectFields('Run', (t) => ({
  outputCollections: t.relatedConnection(
    'outputCollections',
    { cursor: 'uid', totalCount: true, description: 'Collections this run created.', query: () => ({ orderBy: [{ createdAt: 'asc' }, { uid: 'asc' }] }) },
    CollectionConnection,
  ),
  inputCollections: t.connection(
    {
      type: CollectionType,
      description: 'Collections this run read.',
      select: (args, context, nestedSelection) => ({
        inputCollections: collectionsReadByRun.getQuery(args, context, nestedSelection),
        _count: { select: { inputCollections: true } },
      }),
      resolve: (run, args, context) => ({ ...collectionsReadByRun.resolve(run.inputCollections, args, context), totalCount: run._count.inputCollections }),
    },
    CollectionConnection,
  ),
}));

builder.queryFields((t) => ({
  collection: t.prismaField({
    authScopes: { read: true },
    type: 'Collection',
    nullable: true,
    description: 'A collection by uid (any branch), or the latest version under a key (MAIN branch).',
    args: { uid: t.arg.string({ required: false }), key: t.arg.string({ required: false }) },
    resolve: (query, _root, args, context) => {
      if (Boolean(args.uid) === Boolean(args.key)) throw new InvalidInputError('give uid or key', 'uid');
      if (args.uid) return context.db.collection.findUnique({ ...query, where: { uid: args.uid } });
      return context.db.collection.findFirst({ ...query, where: { key: args.key!, branch: 'MAIN' }, orderBy: [{ isLatest: 'desc' }, { id: 'desc' }] });
    },
  }),
  collections: t.prismaConnection(
    {
      authScopes: { read: true },
      type: 'Collection',
      cursor: 'uid',
      args: { filter: t.arg({ type: CollectionFilterInput, required: false }) },
      totalCount: (_connection, args, context) => context.db.collection.count({ where: collectionWhere(args.filter ?? {}) }),
      resolve: (query, _root, args, context) =>
        context.db.collection.findMany({ ...query, where: collectionWhere(args.filter ?? {}), orderBy: [{ createdAt: 'desc' }, { uid: 'asc' }] }),
    },
    CollectionConnection,
  ),
}));

const CreateCollectionInput = builder.inputType('CreateCollectionInput', {
  fields: (t) => ({
    artifactUids: t.stringList({ required: true, description: 'Saved artifacts, in the order the collection keeps them.' }),
    key: t.string({ required: false, description: 'e.g. "projects/screen-2026"; required unless revisesUid is given (default: its key).' }),
    description: t.string({ required: false }),
    metaArtifactUid: t.string({ required: false, description: 'An artifact that indexes the collection (one collection per artifact).' }),
    reference: t.string({ required: false, description: 'An identifier in another system, e.g. a URL.' }),
    referenceType: t.string({ required: false }),
    runUid: t.string({ required: false, description: "The run that creates the collection; its artifacts become the run's inputs." }),
    revisesUid: t.string({ required: false, description: 'A new version of this collection (default: the latest collection under the key).' }),
    versionTag: t.string({ required: false }),
    skipHashLookup: t.boolean({ required: false, description: 'Create a new collection even if one with the same artifacts exists under another key.' }),
  }),
});

const CollectionPayload = builder.objectRef<{ collection: Collection; created: boolean; warnings: string[] }>('CollectionPayload').implement({
  fields: (t) => ({
    created: t.exposeBoolean('created', { description: 'False when a collection with the same artifacts existed and is answered.' }),
    warnings: t.exposeStringList('warnings'),
    collection: t.field({ type: CollectionType, resolve: (payload) => payload.collection }),
  }),
});

const UpdateCollectionInput = builder.inputType('UpdateCollectionInput', {
  description: 'Fields to change; an omitted field stays as it is, null clears it (the key cannot be cleared). The artifacts never change: a new set is a new version.',
  fields: (t) => ({
    uid: t.string({ required: true }),
    key: t.string({ required: false }),
    description: t.string({ required: false }),
    versionTag: t.string({ required: false, description: 'Unique among the versions of the collection.' }),
    reference: t.string({ required: false }),
    referenceType: t.string({ required: false }),
  }),
});

const DeleteCollectionPayload = deletePayload<Collection>('DeleteCollectionPayload', 'Collection');
builder.objectField(DeleteCollectionPayload, 'collection', (t) =>
  t.field({ type: CollectionType, nullable: true, description: 'The trashed collection (null when deleted for good).', resolve: (payload) => (payload.permanent ? null : payload.record) }),
);

builder.mutationFields((t) => ({
  createCollection: t.field({
    authScopes: { write: true },
    type: CollectionPayload,
    description: 'Creates a collection of saved artifacts, or answers the one with the same artifacts; an existing key makes the next version.',
    args: { input: t.arg({ type: CreateCollectionInput, required: true }) },
    errors: { types: [InvalidInputError, NotFoundError, VersionTagTakenError], union: { name: 'CreateCollectionResult' } },
    resolve: (_root, { input }, context) => createCollection(context.db, input, context.user.id),
  }),
  updateCollection: t.field({
    authScopes: { write: true },
    type: CollectionPayload,
    description: "Edits a collection's key, description, version tag or reference.",
    args: { input: t.arg({ type: UpdateCollectionInput, required: true }) },
    errors: { types: [NotFoundError, InvalidInputError, VersionTagTakenError], union: { name: 'UpdateCollectionResult' } },
    resolve: async (_root, { input }, context) => ({ collection: await updateCollection(context.db, input), created: false, warnings: [] }),
  }),
  deleteCollection: t.field({
    authScopes: { write: true },
    type: DeleteCollectionPayload,
    description: 'Moves a collection to the trash, or with permanent: true deletes it; its artifacts stay either way.',
    args: { input: t.arg({ type: DeleteRecordInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'DeleteCollectionResult' } },
    resolve: async (_root, { input }, context) => ({
      record: await deleteCollection(context.db, input.uid, input.permanent ?? false),
      permanent: input.permanent ?? false,
    }),
  }),
  restoreCollection: t.field({
    authScopes: { write: true },
    type: CollectionPayload,
    description: 'Brings a collection back from the trash (the latest version again unless a newer one is in MAIN).',
    args: { input: t.arg({ type: RestoreRecordInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'RestoreCollectionResult' } },
    resolve: async (_root, { input }, context) => ({ collection: await restoreCollection(context.db, input.uid), created: false, warnings: [] }),
  }),
}));
