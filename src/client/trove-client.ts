// Typed SDK over graphql-request; operation types come from graphql-codegen (src/client/operations.graphql).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GraphQLClient } from 'graphql-request';
import { extract as tarExtract } from 'tar-stream';
import {
  type ArtifactFieldsFragment,
  type ArtifactFilter,
  ArtifactFilesDocument,
  ArtifactForDownloadDocument,
  ArtifactsDocument,
  ArtifactStorageDocument,
  CreateArtifactDocument,
  type CreateArtifactInput,
  CreateUploadDocument,
  DeleteArtifactDocument,
  MoveArtifactDocument,
  DoctorDocument,
  type DoctorReportFieldsFragment,
  RepairDocument,
  type DeleteArtifactInput,
  DeleteStorageDocument,
  SetDefaultStorageDocument,
  RegisterStorageDocument,
  type RegisterStorageInput,
  ReadArtifactDocument,
  ReplaceArtifactDocument,
  RestoreArtifactDocument,
  SearchDocument,
  type SearchType,
  StoragesDocument,
  UpdateArtifactDocument,
  type UpdateArtifactInput,
} from './generated/graphql';
import { CollectionsClient } from './collections';
import { uploadFolder } from './folder-upload';
import { LabelsClient } from './labels';
import { putStream } from './put-stream';
import { everyNode, TroveClientError, unwrap } from './results';
import { RunsClient } from './runs';
import { TokensClient } from './tokens';

export type ClientArtifact = ArtifactFieldsFragment;

/** Files of a folder listed per request. */
const FOLDER_PAGE = 1000;

/** A uid or a key (the latest version under it); `asInputOf` records the read as an input of that run. */
export interface ArtifactIdentifier {
  uid?: string;
  key?: string;
  asInputOf?: string;
}

export interface SaveResult {
  artifact: ClientArtifact;
  created: boolean;
  warnings: string[];
}

export interface TransferProgress {
  /** Called with the bytes sent or received so far. */
  onProgress?: (bytes: number, total: number) => void;
  /** Called when a step without bytes to count begins, e.g. the server committing an upload. */
  onPhase?: (phase: string) => void;
}

/** Progress callbacks of a save; a folder can resume an earlier upload (only its missing files are sent). */
export interface UploadProgress extends TransferProgress {
  resumeUploadId?: string;
}

function parsedOrEmpty(text: string): { code?: string; message?: string } {
  try {
    return JSON.parse(text) as { code?: string; message?: string };
  } catch {
    return {};
  }
}

function counting(total: number, onProgress?: (bytes: number, total: number) => void): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      onProgress?.(seen, total);
      callback(null, chunk);
    },
  });
}

export class TroveClient {
  readonly graphql: GraphQLClient;
  private readonly authHeaders: Record<string, string>;
  readonly collections: CollectionsClient;
  readonly labels: LabelsClient;
  readonly runs: RunsClient;
  readonly tokens: TokensClient;

  constructor(
    /** Base URL of a Trove server, e.g. http://127.0.0.1:4000 */
    readonly baseUrl: string,
    /** `token`: an API token (default: TROVE_TOKEN); without one, only a local server without tokens answers. */
    readonly options: { cacheDir?: string; token?: string } = {},
  ) {
    const token = options.token ?? process.env.TROVE_TOKEN;
    this.authHeaders = token ? { authorization: `Bearer ${token}` } : {};
    this.graphql = new GraphQLClient(new URL('/graphql', baseUrl).toString(), { headers: this.authHeaders });
    this.collections = new CollectionsClient(this.graphql, this);
    this.labels = new LabelsClient(this.graphql);
    this.runs = new RunsClient(this.graphql);
    this.tokens = new TokensClient(this.graphql);
  }

  /** Admin: every disagreement between the database and the storages. */
  async doctor(options: { deep?: boolean; graceSeconds?: number } = {}): Promise<DoctorReportFieldsFragment> {
    return (await this.graphql.request(DoctorDocument, options)).doctor;
  }

  /** Admin: the recovery sweep now, then the doctor's report. */
  async repair(options: { graceSeconds?: number } = {}) {
    return unwrap((await this.graphql.request(RepairDocument, { input: options })).repair, 'RepairPayload');
  }

  get cacheDir(): string {
    return this.options.cacheDir ?? process.env.TROVE_CACHE_DIR ?? path.join(homedir(), '.cache', 'trove');
  }

  async storages() {
    const data = await this.graphql.request(StoragesDocument);
    return data.storages.edges.map((edge) => edge.node);
  }

  async registerStorage(input: RegisterStorageInput) {
    const { registerStorage } = await this.graphql.request(RegisterStorageDocument, { input });
    return unwrap(registerStorage, 'RegisterStoragePayload');
  }

  /** Makes a registered storage the default for saves without a storage (admin). */
  async setDefaultStorage(uid: string) {
    const { setDefaultStorage } = await this.graphql.request(SetDefaultStorageDocument, { input: { uid } });
    return unwrap(setDefaultStorage, 'SetDefaultStoragePayload').storage;
  }

  /** Unregisters a storage that holds no artifact (admin); its marker goes, other objects in its root stay. */
  async deleteStorage(uid: string) {
    const { deleteStorage } = await this.graphql.request(DeleteStorageDocument, { input: { uid } });
    return unwrap(deleteStorage, 'DeleteStoragePayload');
  }

  async health(): Promise<{ ok: boolean; database: string; storage: string }> {
    const response = await fetch(new URL('/healthz', this.baseUrl));
    return (await response.json()) as { ok: boolean; database: string; storage: string };
  }

  /**
   * Streams a local file through an upload session (any size, bounded memory) and saves it as an artifact. A folder
   * is saved as one artifact: its files are sent in parallel and committed together (`resumeUploadId` sends only the
   * files an earlier, interrupted upload of the same folder did not deliver).
   */
  async saveFile(
    filePath: string,
    input: Omit<CreateArtifactInput, 'uploadId' | 'content' | 'file' | 'path'>,
    progress: UploadProgress = {},
  ): Promise<SaveResult> {
    const { uploadId, folder } = await this.upload(filePath, input.storageUid, progress);
    try {
      return await this.createArtifact({ ...input, uploadId });
    } catch (error) {
      // A folder's files stay received: the commit can be asked again with other options, without sending them again.
      if (error instanceof TroveClientError && folder) {
        throw new TroveClientError(error.code, `${error.message} (the folder's files are kept as upload ${uploadId} until it expires: resume it with other options, e.g. trove save <dir> --resume ${uploadId} --key <key>)`);
      }
      throw error;
    }
  }

  /**
   * Replaces an artifact's content with a local file, or a folder artifact's with a local folder (LaminDB's
   * artifact.replace): sent through an upload session in the artifact's storage, committed under the same uid.
   */
  async replaceWithFile(uid: string, filePath: string, progress: UploadProgress = {}): Promise<SaveResult> {
    const { storage } = await this.artifactStorage(uid);
    const { uploadId } = await this.upload(filePath, storage.uid, progress);
    const { replaceArtifact } = await this.graphql.request(ReplaceArtifactDocument, { input: { uid, uploadId } });
    return unwrap(replaceArtifact, 'ArtifactPayload');
  }

  private async artifactStorage(uid: string): Promise<{ storage: { uid: string } }> {
    const found = await this.graphql.request(ArtifactStorageDocument, { uid });
    if (!found.artifact) throw new TroveClientError('NOT_FOUND', `no artifact with uid ${uid}`);
    return found.artifact;
  }

  /** Sends a file (streamed, any size) or a folder (its files in parallel, resumable) and returns the upload's id. */
  private async upload(filePath: string, storageUid: string | null | undefined, progress: UploadProgress): Promise<{ uploadId: string; folder: boolean }> {
    const { size, isDirectory } = await stat(filePath).then((info) => ({ size: info.size, isDirectory: info.isDirectory() }));
    if (isDirectory) {
      const uploadId = await uploadFolder(this.graphql, this.authHeaders, filePath, {
        storageUid,
        uploadId: progress.resumeUploadId,
        onProgress: progress.onProgress,
        onPhase: progress.onPhase,
      });
      progress.onPhase?.(`committing the folder on the server (upload ${uploadId})`);
      return { uploadId, folder: true };
    }
    if (progress.resumeUploadId) throw new TroveClientError('INVALID_INPUT', `${filePath} is a file: only a folder's upload is resumed (a file is sent again whole)`);
    const { createUpload } = await this.graphql.request(CreateUploadDocument, {
      input: { fileName: path.basename(filePath), size, storageUid },
    });
    const { upload } = unwrap(createUpload, 'CreateUploadPayload');
    const answer = await putStream(
      upload.url,
      { ...this.authHeaders, 'content-length': String(size), 'content-type': 'application/octet-stream' },
      createReadStream(filePath, { highWaterMark: 1024 * 1024 }).pipe(counting(size, progress.onProgress)),
    );
    if (answer.status < 200 || answer.status >= 300) {
      const body = parsedOrEmpty(answer.text);
      throw new TroveClientError(body.code ?? `HTTP_${answer.status}`, body.message ?? `upload failed with HTTP ${answer.status}`);
    }
    progress.onPhase?.('committing on the server (hash check, storage)');
    return { uploadId: upload.uploadId, folder: false };
  }

  async createArtifact(input: CreateArtifactInput): Promise<SaveResult> {
    const { createArtifact } = await this.graphql.request(CreateArtifactDocument, { input });
    return unwrap(createArtifact, 'ArtifactPayload');
  }

  async replaceWithContent(uid: string, content: string, suffix?: string): Promise<SaveResult> {
    const { replaceArtifact } = await this.graphql.request(ReplaceArtifactDocument, { input: { uid, content, suffix } });
    return unwrap(replaceArtifact, 'ArtifactPayload');
  }

  async deleteArtifact(input: DeleteArtifactInput) {
    const { deleteArtifact } = await this.graphql.request(DeleteArtifactDocument, { input });
    return unwrap(deleteArtifact, 'DeleteArtifactPayload');
  }

  /** Moves an artifact's bytes to another storage (same uid and storage key); the old object is deleted. */
  async moveArtifact(uid: string, storageUid: string): Promise<SaveResult> {
    const { moveArtifact } = await this.graphql.request(MoveArtifactDocument, { input: { uid, storageUid } });
    return unwrap(moveArtifact, 'ArtifactPayload');
  }

  /** Every artifact matching `filter`, ordered by key, fetched page by page. */
  artifacts(filter: ArtifactFilter = {}, pageSize = 100): AsyncGenerator<ClientArtifact> {
    return everyNode(async (after) => (await this.graphql.request(ArtifactsDocument, { filter, first: pageSize, after })).artifacts);
  }

  /** Brings an artifact back from the trash. */
  async restoreArtifact(uid: string): Promise<SaveResult> {
    const { restoreArtifact } = await this.graphql.request(RestoreArtifactDocument, { input: { uid } });
    return unwrap(restoreArtifact, 'ArtifactPayload');
  }

  /** Artifacts, labels, transforms and collections whose text contains words like `query` (3+ characters), best first. */
  async search(query: string, options: { types?: SearchType[]; first?: number } = {}) {
    const { search } = await this.graphql.request(SearchDocument, { query, types: options.types, first: options.first });
    return search.map(({ artifact, ulabel, transform, collection, ...hit }) => ({ ...hit, uid: (artifact ?? ulabel ?? transform ?? collection)?.uid ?? '' }));
  }

  /** Changes an artifact's virtual key, description, kind or version tag; omitted fields stay, null clears. */
  async updateArtifact(input: UpdateArtifactInput): Promise<SaveResult> {
    const { updateArtifact } = await this.graphql.request(UpdateArtifactDocument, { input });
    return unwrap(updateArtifact, 'ArtifactPayload');
  }

  /** An artifact with a download URL; with `asInputOf`, the read is recorded as an input of that run (a mutation). */
  async artifact(identifier: ArtifactIdentifier) {
    const { asInputOf, ...lookup } = identifier;
    if (asInputOf) {
      const { readArtifact } = await this.graphql.request(ReadArtifactDocument, { input: { ...lookup, runUid: asInputOf }, expiresIn: 3600 });
      return unwrap(readArtifact, 'ReadArtifactPayload').artifact;
    }
    const { artifact } = await this.graphql.request(ArtifactForDownloadDocument, { ...lookup, expiresIn: 3600 });
    if (!artifact) throw new TroveClientError('NOT_FOUND', `no artifact with ${identifier.uid ? `uid ${identifier.uid}` : `key ${identifier.key}`}`);
    return artifact;
  }

  /**
   * Downloads an artifact to `destination` (written to a temporary name and renamed when complete); a folder artifact
   * into the directory `destination`, each file at its path, with one progress count for the whole folder.
   */
  async download(identifier: ArtifactIdentifier, destination: string, progress: TransferProgress = {}): Promise<ClientArtifact> {
    const artifact = await this.artifact(identifier);
    if (artifact.nFiles !== null && artifact.nFiles !== undefined) {
      await this.downloadFolder(artifact, destination, progress);
      return artifact;
    }
    await downloadUrlTo(artifact.downloadUrl!, destination, artifact.size ?? 0, progress.onProgress, artifact.uid);
    return artifact;
  }

  /** The files of a folder artifact by path, with download URLs, page by page. */
  folderFiles(uid: string, pageSize = FOLDER_PAGE) {
    return everyNode(async (after) => {
      const { artifact } = await this.graphql.request(ArtifactFilesDocument, { uid, first: pageSize, after, expiresIn: 3600 });
      if (!artifact) throw new TroveClientError('NOT_FOUND', `no artifact with uid ${uid}`);
      return artifact.files;
    });
  }

  /**
   * A folder's files into `directory`, from one tar stream of the whole folder (archiveUrl), each file written as it
   * arrives (bounded memory); one byte count for all. Paths that would land outside `directory` are refused.
   */
  private async downloadFolder(artifact: ClientArtifact & { archiveUrl?: string | null }, directory: string, progress: TransferProgress): Promise<void> {
    if (!artifact.archiveUrl) throw new TroveClientError('NOT_A_FOLDER', `artifact ${artifact.uid} has no archive URL`);
    const response = await fetch(artifact.archiveUrl);
    if (!response.ok || !response.body) throw new TroveClientError(`HTTP_${response.status}`, `download of folder ${artifact.uid} failed with HTTP ${response.status}`);
    const root = path.resolve(directory);
    const total = artifact.size ?? 0;
    let done = 0;
    let files = 0;
    const extractor = tarExtract();
    extractor.on('entry', (header, entry, next) => {
      const target = path.resolve(root, header.name);
      if (header.type !== 'file' || !target.startsWith(root + path.sep)) {
        entry.resume();
        return next(new TroveClientError('BAD_PATH', `the folder's entry "${header.name}" is not a file inside ${root}`));
      }
      files += 1;
      mkdir(path.dirname(target), { recursive: true })
        .then(() => pipeline(entry, counting(total, (bytes) => progress.onProgress?.(done + bytes, total)), createWriteStream(target)))
        .then(() => {
          done += header.size ?? 0;
          next();
        }, next);
    });
    await pipeline(Readable.fromWeb(response.body as never), extractor);
    if (files !== artifact.nFiles) throw new TroveClientError('INCOMPLETE', `folder ${artifact.uid} has ${artifact.nFiles} files, the archive held ${files}`);
  }

  /**
   * LaminDB's `artifact.cache()`: a local copy under the cache dir, downloaded only when missing or stale
   * (size or md5 differs). Returns the local path.
   */
  async cache(identifier: ArtifactIdentifier, progress: TransferProgress = {}): Promise<string> {
    const artifact = await this.artifact(identifier);
    const host = new URL(this.baseUrl).host.replace(':', '_');
    const local = path.join(this.cacheDir, host, artifact.storageKey);
    if (await isCurrentCopy(local, artifact)) return local;
    await this.download({ uid: artifact.uid }, local, progress);
    return local;
  }
}

/** Streams `url` to `destination` through a temporary name, renamed when complete. */
async function downloadUrlTo(url: string, destination: string, size: number, onProgress: TransferProgress['onProgress'], what: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new TroveClientError(`HTTP_${response.status}`, `download of ${what} failed with HTTP ${response.status}`);
  await mkdir(path.dirname(path.resolve(destination)), { recursive: true });
  const partial = `${destination}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as never), counting(size, onProgress), createWriteStream(partial));
    await rename(partial, destination);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function isCurrentCopy(local: string, artifact: ClientArtifact): Promise<boolean> {
  const info = await stat(local).catch(() => undefined);
  if (!info || info.size !== artifact.size) return false;
  if (artifact.hashType !== 'md5') return true; // size match; large files are not re-read on every call
  const digest = createHash('md5');
  for await (const chunk of createReadStream(local)) digest.update(chunk as Buffer);
  return digest.digest('base64url').slice(0, 22) === artifact.hash;
}
