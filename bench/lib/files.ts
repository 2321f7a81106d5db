// The file-system work a save on local storage cannot avoid, measured beside Trove in the same run: every artifact is
// one new file (LaminDB's `.lamindb/{uid}{suffix}`). On these shared virtual disks, creating files swings from about
// 1,000 to 30,000 a second within a minute (slowest right after heavy writes such as a database's start), so the
// figures interleave their runs with this baseline's instead of measuring it once before or after.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { pooled } from './services';

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

export class FileBaseline {
  private created = 0;

  private constructor(private readonly folder: string) {}

  /** A new folder beside Trove's data (the same file system). */
  static async in(parent: string): Promise<FileBaseline> {
    const folder = path.join(parent, `file-baseline-${randomBytes(4).toString('hex')}`);
    await mkdir(folder, { recursive: true });
    return new FileBaseline(folder);
  }

  /** Files per second: `count` new 1 KB files, `concurrency` at a time. */
  async filesPerSecond(count: number, concurrency: number): Promise<number> {
    const started = performance.now();
    await pooled(count, concurrency, () => this.createFile());
    return count / ((performance.now() - started) / 1000);
  }

  async remove(): Promise<void> {
    await rm(this.folder, { recursive: true, force: true });
  }

  /** Creates, writes and closes one new 1 KB file. */
  async createFile(): Promise<void> {
    const handle = await open(path.join(this.folder, `${this.created++}.txt`), CREATE_NEW, 0o644);
    try {
      await handle.writeFile(randomBytes(1000));
    } finally {
      await handle.close();
    }
  }
}
