// Local folder backend. Writes go to a temporary sibling file and are renamed into place, so a reader never
// sees a half-written object.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, opendir, rename, rm, stat, copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ByteRange, type ObjectInfo, type ObjectStore, StorageError } from './object-store';

function storageErrorFrom(error: unknown, action: string, key: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'LocalStorageError';
  return new StorageError(`could not ${action} "${key}": ${(error as Error).message}`, code, { cause: error });
}

export class LocalObjectStore implements ObjectStore {
  readonly kind = 'LOCAL' as const;

  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw new StorageError(`key "${key}" leaves the storage root`, 'InvalidKey');
    return full;
  }

  locationOf(key: string): string {
    return path.join(this.root, key);
  }

  async put(key: string, body: Readable | Buffer, options: { signal?: AbortSignal } = {}): Promise<number> {
    const target = this.pathOf(key);
    const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      let written = 0;
      source.on('data', (chunk: Buffer) => (written += chunk.length));
      await pipeline(source, createWriteStream(temporary), { signal: options.signal });
      await rename(temporary, target);
      return written;
    } catch (error) {
      await rm(temporary, { force: true });
      throw storageErrorFrom(error, 'write', key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      await access(file, constants.R_OK);
    } catch (error) {
      throw storageErrorFrom(error, 'read', key);
    }
    return createReadStream(file, range ? { start: range.start, end: range.end } : undefined);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storageErrorFrom(error, 'inspect', key);
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const target = this.pathOf(toKey);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
      await copyFile(this.pathOf(fromKey), temporary);
      await rename(temporary, target);
    } catch (error) {
      throw storageErrorFrom(error, 'copy', fromKey);
    }
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const target = this.pathOf(toKey);
    try {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(this.pathOf(fromKey), target);
    } catch (error) {
      throw storageErrorFrom(error, 'move', fromKey);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw storageErrorFrom(error, 'delete', key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const directory = prefix.endsWith('/') ? prefix : path.posix.dirname(prefix);
    const start = directory === '.' ? this.root : this.pathOf(directory);
    yield* this.walk(start, prefix);
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
      const full = path.join(directory, entry.name);
      const key = path.relative(this.root, full).split(path.sep).join('/');
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
    const probe = path.join(this.root, '.trove', `health-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(path.dirname(probe), { recursive: true });
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    } catch (error) {
      throw storageErrorFrom(error, 'write a probe to', this.root);
    }
  }
}
