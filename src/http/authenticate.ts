// Who a request comes from: the user and role of its bearer token; or, for a server on loopback that has no
// token yet, the local anonymous administrator. A token that is sent must be valid: a wrong one is never
// quietly treated as anonymous.
import { isLoopbackHost } from '../config';
import type { TroveServices } from '../context';
import type { Viewer } from '../domain/access';
import { anyActiveToken, verifyApiToken } from '../domain/tokens';

export class AuthenticationError extends Error {
  readonly code = 'UNAUTHENTICATED';
}

/** How long the answer to "does any token exist?" is reused (a new token makes tokens required within this). */
const TOKENS_EXIST_TTL_MS = 2_000;
/** lastUsedAt is written at most this often per token. */
const LAST_USED_INTERVAL_MS = 60_000;

const REASONS = {
  malformed: 'the bearer token is not a Trove token (they look like trove_ followed by 43 characters)',
  unknown: 'the bearer token is not known to this server',
  revoked: 'the bearer token was revoked',
  expired: 'the bearer token has expired',
} as const;

export interface RequestCredentials {
  authorization: string | null | undefined;
  /** The request came through a proxy (Forwarded or X-Forwarded-For): it is not local, whatever its address. */
  forwarded: boolean;
}

export function credentialsOf(headers: { get(name: string): string | null }): RequestCredentials {
  return { authorization: headers.get('authorization'), forwarded: headers.get('forwarded') !== null || headers.get('x-forwarded-for') !== null };
}

/** The same, from a Node request (the routes beside GraphQL). */
export function credentialsOfRequest(request: { headers: Record<string, string | string[] | undefined> }): RequestCredentials {
  return credentialsOf({ get: (name) => (request.headers[name] as string | undefined) ?? null });
}

export class Authenticator {
  private tokensExist?: { value: boolean; at: number };
  private readonly lastUsedWrites = new Map<number, number>();

  constructor(private readonly services: TroveServices) {}

  /** Forgets the cached "does any token exist?" (after this process made or revoked a token). */
  tokensChanged(): void {
    this.tokensExist = undefined;
  }

  private async anyToken(): Promise<boolean> {
    const now = Date.now();
    if (!this.tokensExist || now - this.tokensExist.at > TOKENS_EXIST_TTL_MS) {
      this.tokensExist = { value: await anyActiveToken(this.services.db), at: now };
    }
    return this.tokensExist.value;
  }

  async viewerFor(credentials: RequestCredentials): Promise<Viewer> {
    const { services } = this;
    if (credentials.authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(credentials.authorization);
      if (!match) throw new AuthenticationError('send the token as "Authorization: Bearer <token>"');
      const verdict = await verifyApiToken(services.db, match[1]!);
      if (!verdict.ok) throw new AuthenticationError(`${REASONS[verdict.reason]}: ask an admin for a new one (trove token create)`);
      this.noteUse(verdict.token.id);
      return { user: verdict.token.user, role: verdict.token.role, tokenUid: verdict.token.uid, anonymous: false };
    }
    const local = services.config.auth === 'auto' && isLoopbackHost(services.config.host) && !credentials.forwarded;
    const role = local && !(await this.anyToken()) ? 'ADMIN' : null;
    return { user: services.user, role, tokenUid: null, anonymous: true };
  }

  private noteUse(tokenId: number): void {
    const now = Date.now();
    if (now - (this.lastUsedWrites.get(tokenId) ?? 0) < LAST_USED_INTERVAL_MS) return;
    this.lastUsedWrites.set(tokenId, now);
    void this.services.db.apiToken.update({ where: { id: tokenId }, data: { lastUsedAt: new Date(now) } }).catch(() => undefined);
  }
}
