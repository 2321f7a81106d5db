// Validation of a save before any byte moves: every problem becomes an InvalidInput naming its field.
import path from 'node:path';
import { Readable } from 'node:stream';
import type { IfHashExists } from '../../config';
import type { Artifact, Run, Storage, UploadSession } from '../../db/generated/client';
import { hashBuffer } from '../../storage/hashing';
import { keyProblem } from '../../storage/keys';
import { extractSuffix } from '../../storage/suffix';
import { InvalidInputError, NotFoundError } from '../errors';
import { storageByUidOrDefault } from '../storages';
import type { ArtifactServices } from './services';
import { completeDirectUpload } from './uploads';

export type ArtifactSource =
  | { kind: 'content'; content: string }
  | { kind: 'stream'; body: Readable; fileName?: string | null; size?: number }
  | { kind: 'upload'; uploadId: string }
  | { kind: 'path'; path: string };

/** A file sent within a request (the GraphQL multipart protocol), read as a stream. */
export interface SentFile {
  name: string;
  size: number;
  stream(): unknown;
}

/** Fields that say where the bytes come from; exactly one must be given. */
export interface SourceFields {
  content?: string | null;
  file?: SentFile | null;
  uploadId?: string | null;
  path?: string | null;
}

export function sourceFromFields(fields: SourceFields, field: string, maxUploadBytes: number): ArtifactSource {
  const given = (['content', 'file', 'uploadId', 'path'] as const).filter((name) => fields[name] != null);
  if (given.length !== 1) {
    throw new InvalidInputError('give exactly one of content, file, uploadId or path', field);
  }
  if (fields.file) {
    if (fields.file.size > maxUploadBytes) {
      throw new InvalidInputError(
        `the file has ${fields.file.size} bytes; files sent within a request are limited to ${maxUploadBytes} (TROVE_MAX_UPLOAD_BYTES): use createUpload, which takes any size`,
        `${field}.file`,
      );
    }
    // The web File's stream is iterated (Readable.fromWeb rejects the one yoga hands over).
    return { kind: 'stream', body: Readable.from(fields.file.stream() as AsyncIterable<Uint8Array>), fileName: fields.file.name, size: fields.file.size };
  }
  if (fields.content != null) return { kind: 'content', content: fields.content };
  if (fields.uploadId != null) return { kind: 'upload', uploadId: fields.uploadId };
  return { kind: 'path', path: fields.path! };
}

export interface SaveArtifactInput {
  source: ArtifactSource;
  key?: string | null;
  description?: string | null;
  /** Suffix for content without a file name or key, e.g. ".json". */
  suffix?: string | null;
  kind?: string | null;
  storageUid?: string | null;
  runUid?: string | null;
  revisesUid?: string | null;
  versionTag?: string | null;
  keyIsVirtual?: boolean | null;
  ifHashExists?: IfHashExists | null;
}

export interface PreparedSave {
  input: SaveArtifactInput;
  storage: Storage;
  /** Local storage: the key the bytes are written to, a first version's under a reserved uid (in-place.ts). */
  inPlace?: { reservedUid: string; key: string };
  run: Run | null;
  revises: Artifact | null;
  key: string | null;
  suffix: string;
  keyIsVirtual: boolean;
  ifHashExists: IfHashExists;
  /** For `path` sources: the key of the object inside `storage`. */
  registeredKey?: string;
  /** For `upload` sources: the finished upload session. */
  upload?: UploadSession;
}

const SUFFIX_PATTERN = /^(\.[A-Za-z0-9_-]{1,16}){0,2}$/;

function fileNameOf(source: ArtifactSource): string | undefined {
  if (source.kind === 'stream') return source.fileName ?? undefined;
  if (source.kind === 'path') return source.path;
  return undefined;
}

/** The registered storage whose root contains `location`, and the key inside it. */
function locate(storages: Storage[], location: string): { storage: Storage; key: string } | undefined {
  const normalized = location.startsWith('s3://') ? location : path.resolve(location);
  for (const storage of storages) {
    if (normalized.startsWith(`${storage.root}/`)) return { storage, key: normalized.slice(storage.root.length + 1) };
  }
  return undefined;
}

/** An artifact must be findable again: new content needs a key, a description or a run (LaminDB's rule). */
export function isAnonymous(input: SaveArtifactInput): boolean {
  return !input.key && !input.description && !input.runUid && !input.revisesUid && input.source.kind !== 'path';
}

export function anonymousContentError(fieldPrefix: string): InvalidInputError {
  return new InvalidInputError('this content is new: give at least one of key, description or runUid, so the artifact can be found again', fieldPrefix);
}

/** The checks of one input that need no database: all inputs of a bulk save pass them before anything is looked up. */
export function validateSaveInput(input: SaveArtifactInput, maxUploadBytes: number, fieldPrefix = 'input'): void {
  const field = (name: string) => `${fieldPrefix}.${name}`;
  if (input.key) {
    const problem = keyProblem(input.key);
    if (problem) throw new InvalidInputError(`invalid key "${input.key}": ${problem}`, field('key'));
  }
  if (input.suffix != null && !SUFFIX_PATTERN.test(input.suffix)) {
    throw new InvalidInputError(`invalid suffix "${input.suffix}": use "" or a form like ".csv" or ".tar.gz"`, field('suffix'));
  }
  if (input.versionTag != null && !/^\S{1,64}$/.test(input.versionTag)) {
    throw new InvalidInputError('a version tag is 1 to 64 characters without spaces', field('versionTag'));
  }
  if (input.source.kind === 'content' && Buffer.byteLength(input.source.content) > maxUploadBytes) {
    throw new InvalidInputError(`inline content is limited to ${maxUploadBytes} bytes; use createUpload for larger files`, field('content'));
  }
}

export async function prepareSave(
  services: ArtifactServices,
  input: SaveArtifactInput,
  fieldPrefix = 'input',
  /** The registered storages, when the caller has them already (bulk saves read them once). */
  knownStorages?: Storage[],
): Promise<PreparedSave> {
  const field = (name: string) => `${fieldPrefix}.${name}`;
  const { db, config } = services;
  validateSaveInput(input, config.maxUploadBytes, fieldPrefix);

  let storage: Storage | null;
  let registeredKey: string | undefined;
  let upload: (UploadSession & { storage: Storage }) | undefined;
  if (input.source.kind === 'path') {
    const located = locate(knownStorages ?? (await db.storage.findMany()), input.source.path);
    if (!located) {
      throw new InvalidInputError(
        `"${input.source.path}" is not inside a registered storage; only objects in a storage root can be registered (upload other files)`,
        field('path'),
      );
    }
    const problem = keyProblem(located.key);
    if (problem) throw new InvalidInputError(`cannot register "${input.source.path}": ${problem}`, field('path'));
    if (input.storageUid && input.storageUid !== located.storage.uid) {
      throw new InvalidInputError(`"${input.source.path}" is in storage ${located.storage.uid}, not ${input.storageUid}`, field('storageUid'));
    }
    if (input.key && input.key !== located.key) {
      throw new InvalidInputError(`a registered object's key is its path in the storage ("${located.key}")`, field('key'));
    }
    storage = located.storage;
    registeredKey = located.key;
  } else if (input.source.kind === 'upload') {
    const uploadId = input.source.uploadId;
    upload = (await db.uploadSession.findUnique({ where: { uploadId }, include: { storage: true } })) ?? undefined;
    if (!upload) throw new InvalidInputError(`no upload with id ${uploadId}; call createUpload first`, field('uploadId'));
    if (upload.s3MultipartId && upload.status === 'OPEN') {
      // A direct upload whose parts are all in the bucket is completed on first use.
      upload = { ...(await completeDirectUpload(services, uploadId)), storage: upload.storage };
    }
    if (upload.status !== 'RECEIVED') {
      throw new InvalidInputError(
        upload.status === 'OPEN' ? `upload ${uploadId} has not received its bytes yet` : `upload ${uploadId} was already ${upload.status.toLowerCase()}`,
        field('uploadId'),
      );
    }
    if (input.storageUid && input.storageUid !== upload.storage.uid) {
      throw new InvalidInputError(`upload ${uploadId} was sent to storage ${upload.storage.uid}, not ${input.storageUid}`, field('storageUid'));
    }
    storage = upload.storage;
  } else {
    if (knownStorages) {
      storage = knownStorages.find((candidate) => (input.storageUid ? candidate.uid === input.storageUid : candidate.isDefault)) ?? null;
    } else {
      storage = await storageByUidOrDefault(services.read, input.storageUid);
    }
    if (!storage) throw new InvalidInputError(`no storage with uid ${input.storageUid}`, field('storageUid'));
  }

  const run = input.runUid ? await db.run.findUnique({ where: { uid: input.runUid } }) : null;
  if (input.runUid && !run) throw new InvalidInputError(`no run with uid ${input.runUid}`, field('runUid'));
  const revises = input.revisesUid ? await db.artifact.findUnique({ where: { uid: input.revisesUid } }) : null;
  if (input.revisesUid && !revises) throw new InvalidInputError(`no artifact with uid ${input.revisesUid} to revise`, field('revisesUid'));
  if (revises && revises.storageId !== storage.id && !registeredKey && !upload && !input.storageUid) {
    storage = await db.storage.findUniqueOrThrow({ where: { id: revises.storageId } });
  }

  const key = registeredKey ?? input.key ?? revises?.key ?? null;
  // LaminDB: the key's suffix, as written, must be the file's; the artifact keeps the canonical suffix (a known
  // format, lower-cased, or "").
  const contentName = fileNameOf(input.source) ?? upload?.fileName ?? (input.suffix ? `content${input.suffix}` : undefined);
  const content = contentName ? extractSuffix(contentName) : undefined;
  const keyed = key ? extractSuffix(key) : undefined;
  if (keyed && input.key && content && keyed.raw !== content.raw) {
    throw new InvalidInputError(`the passed file's suffix '${content.raw}' must match the passed key's suffix '${keyed.raw}'`, field('key'));
  }
  const suffix = content?.canonical ?? keyed?.canonical ?? revises?.suffix ?? '';
  if (isAnonymous(input)) await refuseAnonymousNewContent(services, input, upload, fieldPrefix);
  const keyIsVirtual = registeredKey ? false : (input.keyIsVirtual ?? config.useVirtualKeys);
  return {
    input,
    storage,
    run,
    revises,
    key,
    suffix,
    keyIsVirtual: key ? keyIsVirtual : true,
    ifHashExists: input.ifHashExists ?? config.ifHashExists,
    registeredKey,
    upload,
  };
}

/**
 * Content that exists already is returned without a key or description (LaminDB checks the hash first); new content
 * is refused before any byte moves where its hash is known now (inline content, a received upload). A streamed file
 * is checked at the commit, once it is hashed.
 */
async function refuseAnonymousNewContent(services: ArtifactServices, input: SaveArtifactInput, upload: UploadSession | undefined, fieldPrefix: string): Promise<void> {
  const known =
    input.source.kind === 'content'
      ? await hashBuffer(Buffer.from(input.source.content))
      : upload?.hash
        ? { hash: upload.hash, fullChecksum: upload.fullChecksum, size: Number(upload.size) }
        : undefined;
  if (!known) return;
  const existing = known.size === 0 ? null : await services.db.artifact.findFirst({ where: { hash: known.hash, fullChecksum: known.fullChecksum, branch: { not: 'TRASH' } }, select: { id: true } });
  if (!existing) throw anonymousContentError(fieldPrefix);
}

export function ensureFound<T>(value: T | null | undefined, entity: string, identifier: string): T {
  if (value == null) throw new NotFoundError(entity, identifier);
  return value;
}
