// API tokens: random secrets (256 bits) shown once, stored only as their sha256, each with a role and a user.
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/client';
import type { ApiToken, User } from '../db/generated/client';
import type { Role } from './access';
import { ensureUser, USER_HANDLE_PATTERN } from './bootstrap';
import { InvalidInputError, NotFoundError } from './errors';
import { randomBase62 } from './uid';

export const TOKEN_PREFIX = 'trove_';
const TOKEN_PATTERN = /^trove_[A-Za-z0-9_-]{43}$/;
/** Tokens live at most this long (ten years); `expiresAt` may be earlier. */
const MAX_TOKEN_LIFETIME_MS = 10 * 365 * 24 * 60 * 60 * 1000;

export type ApiTokenWithUser = ApiToken & { user: User };

export function hashTokenSecret(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreateApiTokenInput {
  role: Role;
  /** The user the token acts as; created when new. */
  userHandle: string;
  expiresAt?: Date | null;
  name?: string | null;
  createdById?: number | null;
}

/** Makes a token; `secret` is the only copy of it there will ever be. */
export async function createApiToken(db: Database, input: CreateApiTokenInput, now = new Date()): Promise<{ secret: string; token: ApiTokenWithUser }> {
  if (!USER_HANDLE_PATTERN.test(input.userHandle)) {
    throw new InvalidInputError('a user handle has 1 to 64 letters, digits, ".", "_" or "-"', 'input.userHandle');
  }
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw new InvalidInputError('expiresAt must be in the future', 'input.expiresAt');
  }
  if (input.expiresAt && input.expiresAt.getTime() - now.getTime() > MAX_TOKEN_LIFETIME_MS) {
    throw new InvalidInputError('a token lives at most ten years', 'input.expiresAt');
  }
  const user = await ensureUser(db, input.userHandle);
  const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const token = await db.apiToken.create({
    data: {
      uid: randomBase62(12),
      secretHash: hashTokenSecret(secret),
      role: input.role,
      name: input.name ?? null,
      userId: user.id,
      createdById: input.createdById ?? null,
      expiresAt: input.expiresAt ?? null,
    },
    include: { user: true },
  });
  return { secret, token };
}

export async function listApiTokens(db: Database, options: { includeInactive?: boolean } = {}, now = new Date()): Promise<ApiTokenWithUser[]> {
  return db.apiToken.findMany({
    where: options.includeInactive ? {} : activeTokenWhere(now),
    include: { user: true },
    orderBy: { id: 'asc' },
  });
}

/** Revokes a token at once; revoking it again keeps the first revocation time. */
export async function revokeApiToken(db: Database, uid: string, now = new Date()): Promise<ApiTokenWithUser> {
  const found = await db.apiToken.findUnique({ where: { uid } });
  if (!found) throw new NotFoundError('token', `id ${uid}`);
  if (found.revokedAt) return db.apiToken.findUniqueOrThrow({ where: { id: found.id }, include: { user: true } });
  return db.apiToken.update({ where: { id: found.id }, data: { revokedAt: now }, include: { user: true } });
}

function activeTokenWhere(now: Date) {
  return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
}

export async function anyActiveToken(db: Database, now = new Date()): Promise<boolean> {
  return (await db.apiToken.findFirst({ where: activeTokenWhere(now), select: { id: true } })) !== null;
}

export type TokenVerdict = { ok: true; token: ApiTokenWithUser } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' };

export async function verifyApiToken(db: Database, secret: string, now = new Date()): Promise<TokenVerdict> {
  if (!TOKEN_PATTERN.test(secret)) return { ok: false, reason: 'malformed' };
  const token = await db.apiToken.findUnique({ where: { secretHash: hashTokenSecret(secret) }, include: { user: true } });
  if (!token) return { ok: false, reason: 'unknown' };
  if (token.revokedAt) return { ok: false, reason: 'revoked' };
  if (token.expiresAt && token.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, token };
}
