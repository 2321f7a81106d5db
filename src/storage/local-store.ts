// Local folder backend. Writes go to a temporary sibling file and are renamed into place, so a reader never
// sees a half-written object. Every path stays inside the root: keys cannot climb out of it, symbolic links are
// never followed (the parent folder's real path must be the expected one, and files open with O_NOFOLLOW), and
// protected paths (the database folder, the signing secret) are refused whatever the root.
import { randomBytes } from 'node:crypto';
import { constants, copyFile, lstat, mkdir, open, opendir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ByteRange, type ObjectInfo, type ObjectStore, StorageError } from './object-store';

const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;
const CREATE_NO_FOLLOW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function storageErrorFrom(error: unknown, action: string, key: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return symbolicLink(key);
  return new StorageError(`could not ${action} "${key}": ${(error as Error).message}`, code ?? 'LocalStorageError', { cause: error });
}

function symbolicLink(key: string): StorageError {
  return new StorageError(`"${key}" is or passes through a symbolic link; Trove never follows links in a storage`, 'SymbolicLink');
}

function isInside(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer + path.sep);
}

export class LocalObjectStore implements ObjectStore {
  readonly kind = 'LOCAL' as const;
  private realRootPromise?: Promise<string>;

  constructor(
    readonly root: string,
    /** Paths no key may reach, e.g. the embedded database and the signing secret. */
    private readonly protectedPaths: string[] = [],
  ) {}

  /** The key's path, lexically inside the root and outside every protected path. */
  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw new StorageError(`key "${key}" leaves the storage root`, 'InvalidKey');
    if (this.protectedPaths.some((protectedPath) => isInside(full, protectedPath))) {
      throw new StorageError(`key "${key}" reaches a protected Trove file`, 'ProtectedPath');
    }
    return full;
  }

  /** The root's real path (the root itself may be reached through a link the administrator set up). */
  private realRoot(): Promise<string> {
    this.realRootPromise ??= realpath(this.root).catch((error: NodeJS.ErrnoException) => {
      this.realRootPromise = undefined; // the root may not exist yet
      if (error.code === 'ENOENT') return this.root;
      throw error;
    });
    return this.realRootPromise;
  }

  /**
   * The key's path after checking that no folder between the root and the file is a symbolic link: the real path
   * of the deepest existing folder must be where the key says. With `create`, missing folders are made after
   * the check, so a link cannot make Trove create folders elsewhere.
   */
  private async confined(key: string, options: { create?: boolean } = {}): Promise<string> {
    const full = this.pathOf(key);
    const parent = path.dirname(full);
    let existing = parent;
    let real: string | undefined;
    while (real === undefined) {
      try {
        real = await realpath(existing);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        if (existing === this.root) break; // not even the root exists yet
        existing = path.dirname(existing);
      }
    }
    if (real !== undefined && real !== path.join(await this.realRoot(), path.relative(this.root, existing))) throw symbolicLink(key);
    if (options.create && existing !== parent) await mkdir(parent, { recursive: true });
    return full;
  }

  locationOf(key: string): string {
    return path.join(this.root, key);
  }

  async put(key: string, body: Readable | Buffer, options: { signal?: AbortSignal; fresh?: boolean } = {}): Promise<ObjectInfo> {
    let temporary: string | undefined;
    try {
      const target = await this.confined(key, { create: true });
      // A fresh key is written in place, only if nothing is there (O_EXCL); what failed is removed only if it is ours.
      const writing = options.fresh ? target : `${target}.${randomBytes(6).toString('hex')}.part`;
      const file = await open(writing, CREATE_NO_FOLLOW, 0o644);
      temporary = writing;
      let written;
      if (Buffer.isBuffer(body)) {
        // In memory already: one write, no stream.
        try {
          await file.writeFile(body);
          written = await file.stat();
        } finally {
          await file.close();
        }
      } else {
        await pipeline(body, file.createWriteStream(), { signal: options.signal }); // closes the file
        written = await lstat(writing);
      }
      // rename replaces a link at the target instead of writing through it (and keeps the file's mtime)
      if (temporary !== target) await rename(temporary, target);
      return { key, size: written.size, lastModified: written.mtime };
    } catch (error) {
      if (temporary) await rm(temporary, { force: true });
      throw storageErrorFrom(error, 'write', key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const file = await open(await this.confined(key), READ_NO_FOLLOW);
      return file.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      throw storageErrorFrom(error, 'read', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await lstat(await this.confined(key));
      if (info.isSymbolicLink()) throw symbolicLink(key);
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storageErrorFrom(error, 'inspect', key);
    }
  }

  /** The regular file at `key`; links and folders are refused. */
  private async regularFile(key: string): Promise<string> {
    const full = await this.confined(key);
    const info = await lstat(full);
    if (info.isSymbolicLink()) throw symbolicLink(key);
    if (!info.isFile()) throw new StorageError(`"${key}" is not a file`, 'NotAFile');
    return full;
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    try {
      const source = await this.regularFile(fromKey);
      const target = await this.confined(toKey, { create: true });
      const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
      await copyFile(source, temporary, constants.COPYFILE_EXCL);
      await rename(temporary, target);
    } catch (error) {
      throw storageErrorFrom(error, 'copy', fromKey);
    }
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    try {
      const source = await this.regularFile(fromKey);
      await rename(source, await this.confined(toKey, { create: true }));
    } catch (error) {
      throw storageErrorFrom(error, 'move', fromKey);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      // unlink removes a link, never its target; one call (rm checks the path twice before it unlinks)
      await unlink(await this.confined(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storageErrorFrom(error, 'delete', key);
    }
  }

  async *list(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ObjectInfo> {
    const directory = prefix.endsWith('/') ? prefix : path.posix.dirname(prefix);
    const start = directory === '.' ? this.root : this.pathOf(directory);
    const after = options.startAfter !== undefined ? Buffer.from(options.startAfter) : undefined;
    // Keys compare as S3 compares them, by their UTF-8 bytes.
    for await (const object of this.walk(start, prefix)) if (!after || Buffer.compare(Buffer.from(object.key), after) > 0) yield object;
  }

  private async *walk(directory: string, prefix: string): AsyncIterable<ObjectInfo> {
    let entries;
    try {
      entries = await opendir(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storageErrorFrom(error, 'list', prefix);
    }
    for await (const entry of entries) {
      // Dirent types come from the directory itself: links are neither files nor folders here, so never followed.
      const full = path.join(directory, entry.name);
      const key = path.relative(this.root, full).split(path.sep).join('/');
      if (this.protectedPaths.some((protectedPath) => isInside(full, protectedPath))) continue;
      if (entry.isDirectory()) {
        if (prefix.startsWith(key + '/') || (key + '/').startsWith(prefix) || key.startsWith(prefix)) {
          yield* this.walk(full, prefix);
        }
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(full).catch(() => undefined); // may vanish while listing
        if (info) yield { key, size: info.size, lastModified: info.mtime };
      }
    }
  }

  async check(): Promise<void> {
    const probe = `.trove/health-${randomBytes(4).toString('hex')}`;
    await this.put(probe, Buffer.from('ok'));
    await this.delete(probe);
  }
}
