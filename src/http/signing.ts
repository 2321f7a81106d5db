// Signed, expiring download URLs for local storage (S3 storages use presigned GETs instead). A URL lives at most
// MAX_URL_LIFETIME_SECONDS, checked when it is used; a previous secret can stay accepted while it is rotated out.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Seven days, as for S3 presigned URLs. */
export const MAX_URL_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

export class UrlSigner {
  constructor(
    private readonly secret: Buffer,
    /** Accepted for verification only, while URLs signed with it expire. */
    private readonly previousSecret?: Buffer,
  ) {}

  private static signature(secret: Buffer, uid: string, expires: number): string {
    return createHmac('sha256', secret).update(`${uid}\n${expires}`).digest('base64url');
  }

  /**
   * Path and query of a download URL valid for `expiresInSeconds` (at most MAX_URL_LIFETIME_SECONDS): of an
   * artifact's object, or of one `file` of a folder artifact (its path inside the folder, signed with the uid).
   */
  sign(uid: string, expiresInSeconds: number, now = Date.now(), file?: string): string {
    const expires = Math.floor(now / 1000) + Math.min(expiresInSeconds, MAX_URL_LIFETIME_SECONDS);
    const subject = file === undefined ? uid : `${uid}/${file}`;
    const fileParameter = file === undefined ? '' : `file=${encodeURIComponent(file)}&`;
    return `/download/${encodeURIComponent(uid)}?${fileParameter}expires=${expires}&signature=${UrlSigner.signature(this.secret, subject, expires)}`;
  }

  /** Path and query of a URL that streams a whole folder artifact as one tar archive. */
  signArchive(uid: string, expiresInSeconds: number, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + Math.min(expiresInSeconds, MAX_URL_LIFETIME_SECONDS);
    return `/download/${encodeURIComponent(uid)}?archive=tar&expires=${expires}&signature=${UrlSigner.signature(this.secret, `${uid}#tar`, expires)}`;
  }

  /** `uid` is what was signed: the artifact's uid, `uid/file` for a file of a folder, `uid#tar` for its archive. */
  verify(uid: string, expires: string | null, signature: string | null, now = Date.now()): 'ok' | 'expired' | 'invalid' {
    if (!expires || !signature || !/^\d{1,12}$/.test(expires)) return 'invalid';
    const expiresAt = Number(expires);
    if (expiresAt - now / 1000 > MAX_URL_LIFETIME_SECONDS + 60) return 'invalid'; // no URL is ever signed this long
    const given = Buffer.from(signature);
    const matches = (secret: Buffer) => {
      const expected = Buffer.from(UrlSigner.signature(secret, uid, expiresAt));
      return expected.length === given.length && timingSafeEqual(expected, given);
    };
    if (!matches(this.secret) && !(this.previousSecret && matches(this.previousSecret))) return 'invalid';
    return expiresAt * 1000 < now ? 'expired' : 'ok';
  }
}

/** TROVE_SECRET, else a random secret kept in the data dir (servers sharing storage must share it). */
export async function loadSigningSecret(dataDir: string, configured?: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured);
  const file = signingSecretFile(dataDir);
  const existing = await readFile(file).catch(() => undefined);
  if (existing && existing.length >= 32) return existing;
  const secret = randomBytes(32);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

export function signingSecretFile(dataDir: string): string {
  return path.join(dataDir, 'secret');
}

/** Logged URLs never carry a usable signature. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&](?:signature|X-Amz-Signature|X-Amz-Credential)=)[^&]*/gi, '$1[redacted]');
}
