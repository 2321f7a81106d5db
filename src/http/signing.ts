// Signed, expiring download URLs for local storage (S3 storages use presigned GETs instead).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class UrlSigner {
  constructor(private readonly secret: Buffer) {}

  private signature(uid: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${uid}\n${expires}`).digest('base64url');
  }

  /** Path and query of a download URL valid for `expiresInSeconds`. */
  sign(uid: string, expiresInSeconds: number, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + expiresInSeconds;
    return `/download/${encodeURIComponent(uid)}?expires=${expires}&signature=${this.signature(uid, expires)}`;
  }

  verify(uid: string, expires: string | null, signature: string | null, now = Date.now()): 'ok' | 'expired' | 'invalid' {
    if (!expires || !signature || !/^\d+$/.test(expires)) return 'invalid';
    const expected = Buffer.from(this.signature(uid, Number(expires)));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return Number(expires) * 1000 < now ? 'expired' : 'ok';
  }
}

/** TROVE_SECRET, else a random secret kept in the data dir (servers sharing storage must share it). */
export async function loadSigningSecret(dataDir: string, configured?: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured);
  const file = path.join(dataDir, 'secret');
  const existing = await readFile(file).catch(() => undefined);
  if (existing && existing.length >= 32) return existing;
  const secret = randomBytes(32);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
