import { findArtifact } from '../domain/artifacts/lookup';
import { artifactWhere } from '../domain/filters';
import { builder } from './builder';
import { BranchEnum, OrderDirectionEnum, prismaDirection } from './common';
import { nodeConnection } from './connections';

const ArtifactOrderField = builder.enumType('ArtifactOrderField', {
  values: { CREATED_AT: { value: 'createdAt' }, KEY: { value: 'key' }, SIZE: { value: 'size' }, UID: { value: 'uid' } } as const,
});

const ArtifactOrder = builder.inputType('ArtifactOrder', {
  fields: (t) => ({
    field: t.field({ type: ArtifactOrderField, required: true }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'DESC' }),
  }),
});

const ArtifactFilterInput = builder.inputType('ArtifactFilter', {
  fields: (t) => ({
    uidPrefix: t.string({ required: false, description: "uids starting with this, e.g. a family's 16-character stem (all its versions)." }),
    keyPrefix: t.string({ required: false }),
    descriptionContains: t.string({ required: false, description: 'Case-insensitive fragment of the description (served by a trigram index from three characters).' }),
    suffix: t.string({ required: false, description: 'e.g. ".csv"' }),
    hash: t.string({ required: false, description: 'Finds trashed artifacts too unless `branch` is given.' }),
    labelUid: t.string({ required: false }),
    labelTypeUid: t.string({ required: false, description: 'Artifacts with a label whose type has this uid.' }),
    runUid: t.string({ required: false, description: 'Artifacts this run created.' }),
    storageUid: t.string({ required: false }),
    isLatest: t.boolean({ required: false }),
    branch: t.field({ type: BranchEnum, required: false, description: 'Default MAIN.' }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Inclusive.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Exclusive.' }),
  }),
});

export const ArtifactType = builder.prismaNode('Artifact', {
  id: { field: 'uid' },
  description: 'A file (or folder) in a storage, with its content hash and metadata.',
  fields: (t) => ({
    uid: t.exposeString('uid', { description: '16-character stem shared by all versions + 4-character version.' }),
    key: t.exposeString('key', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    suffix: t.exposeString('suffix'),
    kind: t.exposeString('kind', { nullable: true }),
    size: t.field({ type: 'SafeInt', nullable: true, description: 'Bytes.', resolve: (artifact) => numberOrNull(artifact.size) }),
    hash: t.exposeString('hash', { nullable: true }),
    hashType: t.exposeString('hashType', { nullable: true }),
    nFiles: t.exposeInt('nFiles', { nullable: true }),
    keyIsVirtual: t.exposeBoolean('keyIsVirtual'),
    storageKey: t.exposeString('storageKey', { description: 'Physical key of the object, relative to the storage root.' }),
    version: t.string({
      description: 'The version part of the uid (0000, 0001, ...).',
      resolve: (artifact) => artifact.uid.slice(16),
    }),
    versionTag: t.exposeString('versionTag', { nullable: true }),
    isLatest: t.exposeBoolean('isLatest'),
    branch: t.expose('branch', { type: BranchEnum }),
    storageOngoing: t.exposeBoolean('storageOngoing', {
      description: 'True while the bytes are being moved into place; such an artifact is finished or undone by recovery.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy'),
    path: t.string({
      description: 'Full location: the storage root joined with the storage key.',
      select: { storageKey: true, storage: { select: { root: true } } },
      resolve: (artifact) => `${artifact.storage.root}/${artifact.storageKey}`,
    }),
  }),
});

/** Every version of an artifact shares the 16-character stem of its uid. */
function familyOf(uid: string) {
  return { uid: { startsWith: uid.slice(0, 16) } };
}

/** Byte sizes are bigint in the database and exact JSON numbers (SafeInt) in the API. */
export function numberOrNull(size: bigint | null): number | null {
  return size === null ? null : Number(size);
}

export const ArtifactConnection = nodeConnection('Artifact', ArtifactType);

builder.prismaObjectFields('Artifact', (t) => ({
  versions: t.prismaConnection(
    {
      type: 'Artifact',
      cursor: 'uid',
      description: 'All versions of this artifact (any branch), oldest first.',
      totalCount: (artifact, _args, context) => context.db.artifact.count({ where: familyOf(artifact.uid) }),
      resolve: (query, artifact, _args, context) =>
        context.db.artifact.findMany({ ...query, where: familyOf(artifact.uid), orderBy: { id: 'asc' } }),
    },
    ArtifactConnection,
  ),
}));

builder.queryFields((t) => ({
  artifact: t.prismaField({
    type: 'Artifact',
    authScopes: { read: true },
    nullable: true,
    description:
      "An artifact by uid (any branch; a 16-character stem gives the family's latest version), the latest version under a key (MAIN branch), or the artifact stored at a full path. To record the read as a run input, use readArtifact.",
    args: {
      uid: t.arg.string({ required: false }),
      key: t.arg.string({ required: false }),
      path: t.arg.string({ required: false, description: 'A storage root joined with the storage key, as Artifact.path says.' }),
    },
    resolve: (query, _root, args, context) => findArtifact(context.db, args, query),
  }),
  artifacts: t.prismaConnection(
    {
    authScopes: { read: true },
    type: 'Artifact',
    cursor: 'uid',
    args: {
      filter: t.arg({ type: ArtifactFilterInput, required: false }),
      orderBy: t.arg({ type: ArtifactOrder, required: false }),
    },
    totalCount: (_connection, args, context) => context.db.artifact.count({ where: artifactWhere(args.filter ?? {}) }),
    resolve: (query, _root, args, context) =>
      context.db.artifact.findMany({
        ...query,
        where: artifactWhere(args.filter ?? {}),
        orderBy: [{ [args.orderBy?.field ?? 'createdAt']: prismaDirection(args.orderBy?.direction) }, { uid: 'asc' }],
      }),
    },
    ArtifactConnection,
  ),
}));
