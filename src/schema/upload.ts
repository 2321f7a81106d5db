// Upload sessions for large files: createUpload says where to send the bytes; createArtifact(input: { uploadId })
// commits them.
import { createUpload } from '../domain/artifacts/uploads';
import { InvalidInputError } from '../domain/errors';
import { builder } from './builder';

const UploadStatusEnum = builder.enumType('UploadStatus', { values: ['OPEN', 'RECEIVED', 'COMMITTED', 'ABORTED'] as const });

const CreateUploadInput = builder.inputType('CreateUploadInput', {
  fields: (t) => ({
    storageUid: t.string({ required: false, description: 'Target storage (default: the default storage).' }),
    fileName: t.string({ required: false, description: 'File name; its suffix becomes the artifact suffix.' }),
    size: t.field({ type: 'BigInt', required: false, description: 'Size in bytes; enables single-pass hashing and catches truncated uploads.' }),
  }),
});

export const UploadObject = builder.prismaObject('UploadSession', {
  name: 'Upload',
  description: 'Where and how to send the bytes of a large file.',
  fields: (t) => ({
    uploadId: t.exposeString('uploadId'),
    status: t.expose('status', { type: UploadStatusEnum }),
    fileName: t.exposeString('fileName', { nullable: true }),
    size: t.expose('size', { type: 'BigInt', nullable: true, description: 'Bytes received (once RECEIVED).' }),
    hash: t.exposeString('hash', { nullable: true }),
    hashType: t.exposeString('hashType', { nullable: true }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    method: t.string({ resolve: () => 'PUT' }),
    url: t.string({
      description: 'Send the whole file here with one HTTP PUT (streamed; any size). Resend it if the connection drops.',
      resolve: (upload, _args, context) => `${context.baseUrl}/uploads/${upload.uploadId}`,
    }),
    storage: t.relation('storage'),
  }),
});

builder.queryField('upload', (t) =>
  t.prismaField({
    type: 'UploadSession',
    nullable: true,
    args: { uploadId: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.uploadSession.findUnique({ ...query, where: { uploadId: args.uploadId } }),
  }),
);

builder.mutationField('createUpload', (t) =>
  t.field({
    type: UploadObject,
    description: 'Starts an upload session for a file of any size: PUT the bytes to `url`, then createArtifact(input: { uploadId }).',
    args: { input: t.arg({ type: CreateUploadInput, required: false }) },
    errors: { types: [InvalidInputError], union: { name: 'CreateUploadResult' } },
    resolve: (_root, { input }, context) =>
      createUpload(context, { storageUid: input?.storageUid, fileName: input?.fileName, size: input?.size != null ? Number(input.size) : null }),
  }),
);
