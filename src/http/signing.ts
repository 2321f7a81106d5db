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
   * artifact's object, of one `file` of a folder artifact, or of a folder's whole `archive` (tar).
   */
  sign(uid: string, expiresInSeconds: number, now = Date.now(), target: DownloadTarget = {}): string {
    const expires = Math.floor(now / 1000) + Math.min(expiresInSeconds, MAX_URL_LIFETIME_SECONDS);
    const targetParameter = target.archive ? 'archive=tar&' : target.file !== undefined ? `file=${encodeURIComponent(target.file)}&` : '';
    return `/download/${encodeURIComponent(uid)}?${targetParameter}expires=${expires}&signature=${UrlSigner.signature(this.secret, subjectOf(uid, target), expires)}`;
  }

  /** Checks a download URL's query (made by `sign`) for the artifact `uid`. */
  verifyDownload(uid: string, query: URLSearchParams, now = Date.now()): 'ok' | 'expired' | 'invalid' {
    return this.verify(subjectOf(uid, downloadTargetOf(query)), query.get('expires'), query.get('signature'), now);
  }

  /** `uid` is what was signed: see subjectOf. */
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

/** What a download URL serves besides the artifact's own object: one file of a folder, or the folder as a tar. */
export interface DownloadTarget {
  file?: string;
  archive?: boolean;
}

export function downloadTargetOf(query: URLSearchParams): DownloadTarget {
  if (query.get('archive') === 'tar') return { archive: true };
  const file = query.get('file');
  return file === null ? {} : { file };
}

/** What is signed: the uid, `uid/path` for a file of a folder, `uid#tar` for its archive, so none passes for another. */
function subjectOf(uid: string, target: DownloadTarget): string {
  return target.archive ? `${uid}#tar` : target.file !== undefined ? `${uid}/${target.file}` : uid;
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
