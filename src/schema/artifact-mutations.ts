// Mutations that save, replace, delete and restore artifacts. Resolvers turn GraphQL inputs into domain inputs
// and call one domain function each.
import { saveArtifacts } from '../domain/artifacts/bulk';
import { deleteArtifact, restoreArtifact } from '../domain/artifacts/delete';
import { checkedExpiry, downloadUrlFor, fileDownloadUrl, type FolderFile, folderFilesPage, readArtifact } from '../domain/artifacts/lookup';
import { type SaveArtifactInput, sourceFromFields } from '../domain/artifacts/prepare';
import { moveArtifact } from '../domain/artifacts/move';
import { replaceArtifact } from '../domain/artifacts/replace';
import { saveArtifact } from '../domain/artifacts/save';
import { updateArtifact } from '../domain/artifacts/update';
import { BulkSaveFailedError, InvalidInputError, LeaseLostError, NotFoundError, RecordInUseError, StorageBusyError, StorageFailedError, VersionTagTakenError } from '../domain/errors';
import { ArtifactType } from './artifact';
import { builder } from './builder';
import { artifactSaveErrors } from './errors';
import { nodeConnection } from './connections';
import { recordPayload } from './payloads';
import { encodeGlobalID } from '@pothos/plugin-relay';

const IfHashExistsEnum = builder.enumType('IfHashExists', {
  description: 'What saving content that an artifact already has does (LaminDB: artifact_if_hash_exists).',
  values: {
    RETURN_EXISTING: { description: 'Return the existing artifact; nothing new is stored (default).' },
    ERROR: { description: 'Answer with a HashExists error naming the existing artifact.' },
    CREATE_NEW: { description: 'Create a second artifact with the same content.' },
  } as const,
});

const CreateArtifactInput = builder.inputType('CreateArtifactInput', {
  description: 'Exactly one of content, file, uploadId or path; at least one of key, description, runUid or revisesUid.',
  fields: (t) => ({
    content: t.string({ required: false, description: 'Inline content (text such as CSV or JSON), up to the upload cap.' }),
    file: t.field({ type: 'File', required: false, description: 'A small file sent with the GraphQL multipart protocol.' }),
    uploadId: t.string({ required: false, description: 'An upload session whose bytes were sent (createUpload).' }),
    path: t.string({ required: false, description: 'An object inside a registered storage root, registered without copying.' }),
    key: t.string({ required: false, description: 'Path-like key, e.g. "datasets/iris.csv".' }),
    description: t.string({ required: false }),
    suffix: t.string({ required: false, description: 'Suffix of inline content without a key, e.g. ".json".' }),
    kind: t.string({ required: false, description: 'Free-form kind, e.g. "dataset" or "model".' }),
    storageUid: t.string({ required: false, description: 'Target storage (default: the default storage).' }),
    runUid: t.string({ required: false, description: 'The run that creates this artifact (lineage).' }),
    revisesUid: t.string({ required: false, description: 'Make a new version of this artifact.' }),
    versionTag: t.string({ required: false, description: 'A tag such as "1.2", unique within the version family.' }),
    keyIsVirtual: t.boolean({ required: false, description: 'Store under .lamindb/ with the key as metadata (default: server setting).' }),
    ifHashExists: t.field({ type: IfHashExistsEnum, required: false, description: 'Default: server setting (RETURN_EXISTING).' }),
  }),
});

type CreateArtifactInputShape = typeof CreateArtifactInput.$inferInput;

function toSaveInput(input: CreateArtifactInputShape, field: string, maxUploadBytes: number): SaveArtifactInput {
  return { ...input, source: sourceFromFields(input, field, maxUploadBytes) };
}

export const ArtifactPayload = recordPayload<{ artifact: { id: number }; created: boolean; warnings: string[] }>('ArtifactPayload', 'artifact');
builder.objectFields(ArtifactPayload, (t) => ({
  created: t.exposeBoolean('created', { description: 'False when an existing artifact was returned or replaced in place.' }),
  warnings: t.exposeStringList('warnings', { description: 'What LaminDB logs as warnings, e.g. "returning existing artifact with same hash".' }),
}));

const SaveArtifactsPayload = builder.objectRef<{ results: { artifact: { id: number }; created: boolean; warnings: string[] }[] }>('SaveArtifactsPayload').implement({
  fields: (t) => ({
    results: t.field({ type: [ArtifactPayload], resolve: (payload) => payload.results, description: 'One result per input, in order.' }),
  }),
});

const SaveArtifactsInput = builder.inputType('SaveArtifactsInput', {
  fields: (t) => ({
    artifacts: t.field({ type: [CreateArtifactInput], required: true }),
    atomic: t.boolean({ required: false, defaultValue: false, description: 'On a failed upload, remove the ones already saved.' }),
  }),
});

const RestoreArtifactInput = builder.inputType('RestoreArtifactInput', {
  fields: (t) => ({ uid: t.string({ required: true }) }),
});

const UpdateArtifactInput = builder.inputType('UpdateArtifactInput', {
  description: 'Fields to change; an omitted field stays as it is, null clears it.',
  fields: (t) => ({
    uid: t.string({ required: true }),
    key: t.string({ required: false, description: 'A new key with the same suffix; a real key moves its object with it.' }),
    description: t.string({ required: false }),
    kind: t.string({ required: false }),
    versionTag: t.string({ required: false, description: 'Unique among the versions of the artifact.' }),
  }),
});

const ReplaceArtifactInput = builder.inputType('ReplaceArtifactInput', {
  description: 'New content for an artifact: exactly one of content, file or uploadId (a path in a storage is refused).',
  fields: (t) => ({
    uid: t.string({ required: true }),
    content: t.string({ required: false }),
    file: t.field({ type: 'File', required: false }),
    uploadId: t.string({ required: false }),
    path: t.string({ required: false, description: 'Refused with InvalidInput: only new content can replace an artifact.' }),
    suffix: t.string({ required: false, description: 'Suffix of inline content (default: the current suffix).' }),
  }),
});

const DeleteArtifactInput = builder.inputType('DeleteArtifactInput', {
  fields: (t) => ({
    uid: t.string({ required: true }),
    permanent: t.boolean({ required: false, defaultValue: false, description: 'Remove the record instead of moving it to the trash.' }),
    deleteStorage: t.boolean({
      required: false,
      defaultValue: false,
      description: 'With permanent: also delete an object under a real key (objects under auto and virtual keys always are).',
    }),
  }),
});

const DeleteArtifactPayload = builder
  .objectRef<{ uid: string; artifact: { id: number } | null; objectDeleted: boolean; warnings: string[] }>('DeleteArtifactPayload')
  .implement({
    fields: (t) => ({
      uid: t.exposeString('uid'),
      deletedId: t.id({
        nullable: true,
        description: 'After a permanent delete, the `id` the artifact had, for clients to evict it from their caches; null when trashed.',
        resolve: (payload) => (payload.artifact ? null : encodeGlobalID('Artifact', payload.uid)),
      }),
      objectDeleted: t.exposeBoolean('objectDeleted'),
      warnings: t.exposeStringList('warnings'),
    }),
  });

builder.objectField(DeleteArtifactPayload, 'artifact', (t) =>
  t.prismaField({
    type: 'Artifact',
    nullable: true,
    description: 'The trashed artifact; null after a permanent delete.',
    resolve: (query, payload, _args, context) =>
      payload.artifact ? context.db.artifact.findUnique({ ...query, where: { id: payload.artifact.id } }) : null,
  }),
);

const ReadArtifactInput = builder.inputType('ReadArtifactInput', {
  description: 'Exactly one of uid or key, and the run that reads the artifact.',
  fields: (t) => ({
    uid: t.string({ required: false }),
    key: t.string({ required: false, description: 'The latest version under this key (MAIN branch).' }),
    runUid: t.string({ required: true }),
  }),
});

const ReadArtifactPayload = recordPayload<{ artifact: { id: number }; recordedAsInput: boolean }>('ReadArtifactPayload', 'artifact');
builder.objectFields(ReadArtifactPayload, (t) => ({
  recordedAsInput: t.exposeBoolean('recordedAsInput', {
    description: 'False when the run had read it before, or created or re-created it (then it is not its input).',
  }),
}));

const MoveArtifactInput = builder.inputType('MoveArtifactInput', {
  fields: (t) => ({
    uid: t.string({ required: true }),
    storageUid: t.string({ required: true, description: 'The storage the artifact moves to.' }),
  }),
});

builder.mutationFields((t) => ({
  createArtifact: t.field({
    authScopes: { write: true },
    type: ArtifactPayload,
    description: 'Saves content as an artifact (stage, commit, promote). Same content again returns the existing artifact by default.',
    args: { input: t.arg({ type: CreateArtifactInput, required: true }) },
    errors: { types: artifactSaveErrors, union: { name: 'CreateArtifactResult' } },
    resolve: (_root, { input }, context) => saveArtifact(context, toSaveInput(input, 'input', context.config.maxUploadBytes)),
  }),
  saveArtifacts: t.field({
    authScopes: { write: true },
    type: SaveArtifactsPayload,
    description: 'Saves several artifacts. All inputs are validated first: one invalid input saves nothing.',
    args: { input: t.arg({ type: SaveArtifactsInput, required: true }) },
    errors: { types: [...artifactSaveErrors, BulkSaveFailedError], union: { name: 'SaveArtifactsResult' } },
    resolve: async (_root, { input }, context) => {
      const saveInputs = input.artifacts.map((artifact, index) => toSaveInput(artifact, `input.artifacts.${index}`, context.config.maxUploadBytes));
      return { results: await saveArtifacts(context, saveInputs, { atomic: input.atomic ?? false }) };
    },
  }),
  replaceArtifact: t.field({
    authScopes: { write: true },
    type: ArtifactPayload,
    description: 'Replaces the content of an artifact, keeping its uid. Content that an artifact already has returns that artifact unchanged.',
    args: { input: t.arg({ type: ReplaceArtifactInput, required: true }) },
    errors: { types: artifactSaveErrors, union: { name: 'ReplaceArtifactResult' } },
    resolve: (_root, { input }, context) =>
      replaceArtifact(context, { uid: input.uid, suffix: input.suffix, source: sourceFromFields(input, 'input', context.config.maxUploadBytes) }),
  }),
  deleteArtifact: t.field({
    authScopes: { write: true },
    type: DeleteArtifactPayload,
    description: 'Moves an artifact to the trash, or with permanent: true deletes the record and (see deleteStorage) the object; an artifact in a collection is refused for good (ARTIFACT_IN_COLLECTION).',
    args: { input: t.arg({ type: DeleteArtifactInput, required: true }) },
    errors: { types: [NotFoundError, InvalidInputError, StorageBusyError, LeaseLostError, RecordInUseError, StorageFailedError], union: { name: 'DeleteArtifactResult' } },
    resolve: (_root, { input }, context) => deleteArtifact(context, input),
  }),
  readArtifact: t.field({
    type: ReadArtifactPayload,
    authScopes: { write: true },
    description: 'Finds an artifact (by uid, or the latest under a key) and records that a run read it (lineage: run.inputArtifacts).',
    args: { input: t.arg({ type: ReadArtifactInput, required: true }) },
    errors: { types: [NotFoundError, InvalidInputError], union: { name: 'ReadArtifactResult' } },
    resolve: async (_root, { input }, context) => {
      const { artifact, recorded } = await readArtifact(context.db, input, input.runUid);
      return { artifact, recordedAsInput: recorded };
    },
  }),
  updateArtifact: t.field({
    authScopes: { write: true },
    type: ArtifactPayload,
    description:
      "Changes an artifact's key, description, kind or version tag (LaminDB's rules): a virtual key as metadata; a real key moves the object with it through the storage protocol (one copy at every step). Warnings say when the version is not the latest.",
    args: { input: t.arg({ type: UpdateArtifactInput, required: true }) },
    errors: { types: artifactSaveErrors, union: { name: 'UpdateArtifactResult' } },
    resolve: (_root, { input }, context) => updateArtifact(context, input),
  }),
  moveArtifact: t.field({
    authScopes: { write: true },
    type: ArtifactPayload,
    description:
      'Moves an artifact to another storage under the same uid and storage key: copied and checked against its hash, then the row switches and the old object is deleted. A failure at any step leaves it readable from one of the two places.',
    args: { input: t.arg({ type: MoveArtifactInput, required: true }) },
    errors: { types: artifactSaveErrors, union: { name: 'MoveArtifactResult' } },
    resolve: (_root, { input }, context) => moveArtifact(context, input),
  }),
  restoreArtifact: t.field({
    authScopes: { write: true },
    type: ArtifactPayload,
    description: 'Brings an artifact back from the trash.',
    args: { input: t.arg({ type: RestoreArtifactInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'RestoreArtifactResult' } },
    resolve: async (_root, { input }, context) => ({ artifact: await restoreArtifact(context, input.uid), created: false, warnings: [] }),
  }),
}));

const FolderFileType = builder.objectRef<FolderFile & { downloadUrl: () => Promise<string> }>('FolderFile').implement({
  description: 'A file of a folder artifact.',
  fields: (t) => ({
    path: t.exposeString('path', { description: 'Path inside the folder.' }),
    size: t.field({ type: 'SafeInt', description: 'Bytes.', resolve: (file) => file.size }),
    downloadUrl: t.string({ description: 'A time-limited URL for the bytes, as Artifact.downloadUrl.', resolve: (file) => file.downloadUrl() }),
  }),
});

const FolderFileConnection = nodeConnection('FolderFile', FolderFileType);
const MAX_FILES_PAGE = 1000;
const DEFAULT_FILES_PAGE = 100;

/** A page of files is found by the last path before it (S3 lists from there): the cursor carries that path. */
const FILE_CURSOR_PREFIX = 'file:';
function fileCursor(filePath: string): string {
  return Buffer.from(FILE_CURSOR_PREFIX + filePath).toString('base64url');
}
function pathOfCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  if (!decoded.startsWith(FILE_CURSOR_PREFIX)) throw new InvalidInputError('after is not a cursor of this list of files', 'after');
  return decoded.slice(FILE_CURSOR_PREFIX.length);
}

builder.prismaObjectFields(ArtifactType, (t) => ({
  downloadUrl: t.string({
    nullable: true,
    description:
      'A time-limited URL for the bytes: a presigned GET on S3, a signed gateway URL (with Range support) on local storage. Null for a folder artifact: its files have their own (files).',
    args: { expiresIn: t.arg.int({ required: false, defaultValue: 3600, description: 'Seconds, 1 to 604800.' }) },
    select: { uid: true, key: true, suffix: true, storageKey: true, nFiles: true, storage: { select: { root: true } } },
    resolve: (artifact, { expiresIn }, context) =>
      artifact.nFiles !== null
        ? null
        : downloadUrlFor(artifact, expiresIn ?? 3600, { stores: context.stores, signLocal: (uid, seconds) => context.baseUrl + context.signer.sign(uid, seconds) }),
  }),
  archiveUrl: t.string({
    nullable: true,
    description: 'A folder artifact only: a time-limited URL that streams all its files as one tar archive (through the gateway, any storage).',
    args: { expiresIn: t.arg.int({ required: false, defaultValue: 3600, description: 'Seconds, 1 to 604800.' }) },
    select: { uid: true, nFiles: true },
    resolve: (artifact, { expiresIn }, context) => {
      const seconds = checkedExpiry(expiresIn ?? 3600);
      return artifact.nFiles === null ? null : context.baseUrl + context.signer.sign(artifact.uid, seconds, Date.now(), { archive: true });
    },
  }),
  files: t.connection({
    type: FolderFileType,
    description: `The files of a folder artifact in path order (by bytes, as S3 lists them), each with its download URL (empty for a file artifact); ${DEFAULT_FILES_PAGE} per page unless \`first\` says (up to ${MAX_FILES_PAGE}); forward paging (\`first\`, \`after\`). \`totalCount\` is the file count the artifact records.`,
    args: { expiresIn: t.arg.int({ required: false, defaultValue: 3600, description: 'Seconds, 1 to 604800.' }) },
    select: { uid: true, storageKey: true, nFiles: true, storage: { select: { root: true } } },
    resolve: async (artifact, args, context) => {
      const expiresIn = checkedExpiry(args.expiresIn ?? 3600);
      if (args.last != null || args.before != null) throw new InvalidInputError('the files of a folder page forward only: use first and after', args.last != null ? 'last' : 'before');
      const first = args.first ?? DEFAULT_FILES_PAGE;
      if (first < 0 || first > MAX_FILES_PAGE) throw new InvalidInputError(`first must be between 0 and ${MAX_FILES_PAGE}`, 'first');
      const after = args.after ? pathOfCursor(args.after) : undefined;
      const page = artifact.nFiles === null ? { files: [], hasNextPage: false } : await folderFilesPage(context.stores, artifact, { after, first });
      const signLocal = (uid: string, seconds: number, file: string) => context.baseUrl + context.signer.sign(uid, seconds, Date.now(), { file });
      const edges = page.files.map((file) => ({
        cursor: fileCursor(file.path),
        node: { ...file, downloadUrl: () => fileDownloadUrl(artifact, file, expiresIn, { stores: context.stores, signLocal }) },
      }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: after !== undefined, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount: artifact.nFiles ?? 0,
      };
    },
  }, FolderFileConnection),
}));
