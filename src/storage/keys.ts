// Key rules shared by every backend and by the domain (LaminDB layout: auto keys under `.lamindb/`).
export const AUTO_KEY_PREFIX = '.lamindb/';
export const STAGING_PREFIX = '.trove/staging/';
/** LaminDB's storage marker: its first line is the storage's uid (domain/storage-marker.ts). */
export const STORAGE_MARKER_KEY = '.lamindb/storage_uid.txt';
export const LEGACY_STORAGE_MARKER_KEY = '.lamindb/_is_initialized';

export function autoStorageKey(uid: string, suffix: string): string {
  return `${AUTO_KEY_PREFIX}${uid}${suffix}`;
}

export function stagingKey(uploadId: string): string {
  return `${STAGING_PREFIX}${uploadId}`;
}

/**
 * A write intent: the keys about to receive bytes straight at their final place, listed before any byte is written
 * (domain/artifacts/in-place.ts). It lives in the staging area, so that recovery finds it.
 */
const INTENT_PREFIX = `${STAGING_PREFIX}in-place.`;

export function intentKey(id: string): string {
  return `${INTENT_PREFIX}${id}`;
}

export function isIntentKey(key: string): boolean {
  return stagingOwners(key)[0]!.startsWith(INTENT_PREFIX);
}

/**
 * The keys that may own a staged object: the object's own key (without a local writer's temporary suffix) and, for
 * a file of a folder upload (`.trove/staging/{uploadId}/...`), the upload's staging prefix.
 */
export function stagingOwners(key: string): string[] {
  const base = key.replace(/\.[0-9a-f]{12}\.part$/, '');
  if (!base.startsWith(STAGING_PREFIX)) return [base];
  const slash = base.indexOf('/', STAGING_PREFIX.length);
  return slash > 0 ? [base, base.slice(0, slash)] : [base];
}

/** The folders a key lies in, outermost first: "a/b/c.txt" -> ["a", "a/b"]. */
export function ancestorsOf(key: string): string[] {
  const segments = key.split('/');
  return segments.slice(0, -1).map((_, index) => segments.slice(0, index + 1).join('/'));
}

/** Returns why `key` is not a valid artifact key, or undefined when it is. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the key is empty';
  if (key.length > 1024) return 'the key is longer than 1024 characters';
  if (key.startsWith('/')) return 'the key must be relative: remove the leading "/"';
  if (key.includes('\\')) return 'the key must use "/" as separator, not "\\"';
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'the key contains a control character (such as a newline or tab)';
  const segments = key.split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'the key must not contain "." or ".." segments';
  if (segments.some((segment) => segment === '')) return 'the key must not contain empty segments ("//" or a trailing "/")';
  if (key.startsWith(AUTO_KEY_PREFIX) || key.startsWith('.trove/')) {
    return `keys under "${AUTO_KEY_PREFIX}" and ".trove/" are managed by Trove`;
  }
  return undefined;
}
