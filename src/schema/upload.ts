// Upload sessions for large files: createUpload says where to send the bytes; createArtifact(input: { uploadId })
// commits them.
import { addUploadFiles, missingFiles } from '../domain/artifacts/folder-uploads';
import { completeDirectUpload, createUpload, receivedParts, uploadPartTargets } from '../domain/artifacts/uploads';
import { InvalidInputError, NotFoundError, StorageFailedError } from '../domain/errors';
import { numberOrNull } from './artifact';
import { builder } from './builder';
import { recordPayload } from './payloads';

const UploadStatusEnum = builder.enumType('UploadStatus', { values: ['OPEN', 'RECEIVED', 'COMMITTED', 'ABORTED'] as const });

const UploadFileInput = builder.inputType('UploadFileInput', {
  description: 'One file of a folder upload.',
  fields: (t) => ({
    path: t.string({ required: true, description: 'Path inside the folder, "/"-separated, e.g. "images/0001.tif".' }),
    size: t.field({ type: 'SafeInt', required: true, description: 'Size in bytes; a PUT carrying another size is refused.' }),
  }),
});

const CreateUploadInput = builder.inputType('CreateUploadInput', {
  fields: (t) => ({
    storageUid: t.string({ required: false, description: 'Target storage (default: the default storage).' }),
    fileName: t.string({ required: false, description: 'File name; its suffix becomes the artifact suffix.' }),
    size: t.field({ type: 'SafeInt', required: false, description: 'Size in bytes; enables single-pass hashing and catches truncated uploads.' }),
    direct: t.boolean({
      required: false,
      description: 'S3 storages: send parts straight to the bucket with presigned URLs (`parts`); needs `size`. Resumable.',
    }),
    partSize: t.field({ type: 'SafeInt', required: false, description: 'Bytes per part of a direct upload (default 16 MiB, at least 5 MiB).' }),
    files: t.field({
      type: [UploadFileInput],
      required: false,
      description:
        'A folder upload: every file of the folder with its path inside it and its size (more with addUploadFiles). PUT each file to `url?file=<path>`; `fileName` names the folder (its suffix, e.g. ".zarr", becomes the artifact\'s).',
    }),
  }),
});

const UploadPartTarget = builder.objectRef<{ number: number; size: number; url: string }>('UploadPartTarget').implement({
  description: 'Where to PUT one part of a direct upload; keep the ETag header of the answer.',
  fields: (t) => ({
    number: t.exposeInt('number'),
    size: t.field({ type: 'SafeInt', description: 'Bytes of the file in this part.', resolve: (part) => part.size }),
    url: t.exposeString('url'),
  }),
});

const UploadedPartObject = builder.objectRef<{ number: number; etag: string; size?: number }>('UploadedPart').implement({
  fields: (t) => ({
    number: t.exposeInt('number'),
    etag: t.exposeString('etag'),
    size: t.field({ type: 'SafeInt', nullable: true, resolve: (part) => part.size ?? null }),
  }),
});

const UploadedPartInput = builder.inputType('UploadedPartInput', {
  fields: (t) => ({ number: t.int({ required: true }), etag: t.string({ required: true }) }),
});

export const UploadObject = builder.prismaObject('UploadSession', {
  name: 'Upload',
  description: 'Where and how to send the bytes of a large file.',
  fields: (t) => ({
    uploadId: t.exposeString('uploadId'),
    status: t.expose('status', { type: UploadStatusEnum }),
    fileName: t.exposeString('fileName', { nullable: true }),
    size: t.field({ type: 'SafeInt', nullable: true, description: 'Bytes received (once RECEIVED).', resolve: (upload) => numberOrNull(upload.size) }),
    hash: t.exposeString('hash', { nullable: true }),
    hashType: t.exposeString('hashType', { nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    method: t.string({ resolve: () => 'PUT' }),
    url: t.string({
      description:
        'Send the whole file here with one HTTP PUT (streamed; any size). Resend it if the connection drops. A folder upload: PUT each file to `url?file=<its path, URL-encoded>`.',
      resolve: (upload, _args, context) => `${context.baseUrl}/uploads/${upload.uploadId}`,
    }),
    storage: t.relation('storage'),
    nFiles: t.exposeInt('nFiles', { nullable: true, description: 'A folder upload: how many files it declared (null for a single file).' }),
    filesReceived: t.exposeInt('filesReceived', { description: 'A folder upload: how many declared files have arrived.' }),
    missingFiles: t.stringList({
      description: 'A folder upload: paths declared but not received yet, in path order (send these to resume).',
      args: { first: t.arg.int({ required: false, defaultValue: 100 }) },
      resolve: (upload, args, context) => (upload.nFiles === null ? [] : missingFiles(context, upload.id, Math.min(Math.max(args.first ?? 100, 0), 10_000))),
    }),
    direct: t.boolean({ resolve: (upload) => upload.s3MultipartId !== null }),
    partSize: t.field({ type: 'SafeInt', nullable: true, resolve: (upload) => numberOrNull(upload.partSize) }),
    parts: t.field({
      type: [UploadPartTarget],
      description: 'Direct uploads: one presigned URL per part (valid 24 hours). Empty for gateway uploads.',
      select: { storage: { select: { root: true } } },
      resolve: (upload, _args, context) => uploadPartTargets(context, upload),
    }),
    receivedParts: t.field({
      type: [UploadedPartObject],
      description: 'Direct uploads: the parts the bucket holds (S3 ListParts), to resume after a dropped connection.',
      select: { storage: { select: { root: true } } },
      resolve: (upload, _args, context) => receivedParts(context, upload),
    }),
  }),
});

builder.queryField('upload', (t) =>
  t.prismaField({
    authScopes: { write: true },
    type: 'UploadSession',
    nullable: true,
    args: { uploadId: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.uploadSession.findUnique({ ...query, where: { uploadId: args.uploadId } }),
  }),
);

const CompleteUploadInput = builder.inputType('CompleteUploadInput', {
  fields: (t) => ({
    uploadId: t.string({ required: true }),
    parts: t.field({ type: [UploadedPartInput], required: false, description: 'Part numbers and ETags, for servers without ListParts.' }),
  }),
});

const CreateUploadPayload = recordPayload<{ upload: { id: number } }>('CreateUploadPayload', 'upload');
const CompleteUploadPayload = recordPayload<{ upload: { id: number } }>('CompleteUploadPayload', 'upload');

builder.mutationField('createUpload', (t) =>
  t.field({
    authScopes: { write: true },
    type: CreateUploadPayload,
    description: 'Starts an upload session for a file of any size: PUT the bytes to `url`, then createArtifact(input: { uploadId }).',
    args: { input: t.arg({ type: CreateUploadInput, required: false }) },
    errors: { types: [InvalidInputError], union: { name: 'CreateUploadResult' } },
    resolve: async (_root, { input }, context) => ({ upload: await createUpload(context, input ?? {}) }),
  }),
);

const AddUploadFilesInput = builder.inputType('AddUploadFilesInput', {
  fields: (t) => ({
    uploadId: t.string({ required: true }),
    files: t.field({ type: [UploadFileInput], required: true }),
  }),
});

const AddUploadFilesPayload = recordPayload<{ upload: { id: number } }>('AddUploadFilesPayload', 'upload');

builder.mutationField('addUploadFiles', (t) =>
  t.field({
    authScopes: { write: true },
    type: AddUploadFilesPayload,
    description: 'Declares more files of a folder upload still open (a folder with more files than one request may list).',
    args: { input: t.arg({ type: AddUploadFilesInput, required: true }) },
    errors: { types: [InvalidInputError, NotFoundError], union: { name: 'AddUploadFilesResult' } },
    resolve: async (_root, { input }, context) => ({ upload: await addUploadFiles(context, input.uploadId, input.files) }),
  }),
);

builder.mutationField('completeUpload', (t) =>
  t.field({
    authScopes: { write: true },
    type: CompleteUploadPayload,
    description:
      'Assembles a direct upload from its parts (listed by the bucket when `parts` is omitted) and hashes it. createArtifact does this by itself; call it to learn the hash first.',
    args: { input: t.arg({ type: CompleteUploadInput, required: true }) },
    errors: { types: [InvalidInputError, NotFoundError, StorageFailedError], union: { name: 'CompleteUploadResult' } },
    resolve: async (_root, { input }, context) => ({ upload: await completeDirectUpload(context, input.uploadId, input.parts) }),
  }),
);
