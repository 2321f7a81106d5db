// Token administration straight on a Trove database, without a running server: how the first admin token is made
// on the server machine (`trove token create --role admin --data-dir .trove`, or with DATABASE_URL set). An
// embedded PostgreSQL already running for a server is reused; otherwise it is started for the command and stopped.
import { loadConfig } from '../config';
import { openDatabase } from '../db/open-database';
import type { Role } from '../domain/access';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenWithUser } from '../domain/tokens';

export interface TokenView {
  id: string;
  name: string | null;
  role: Role;
  user: { handle: string };
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

function viewOf(token: ApiTokenWithUser): TokenView {
  return {
    id: token.uid,
    name: token.name,
    role: token.role,
    user: { handle: token.user.handle },
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
  };
}

async function withDatabase<T>(dataDir: string | undefined, work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const config = loadConfig({
    TROVE_DATA_DIR: dataDir ?? process.env.TROVE_DATA_DIR,
    DATABASE_URL: process.env.DATABASE_URL,
    TROVE_STORAGE: process.env.TROVE_STORAGE,
    LOG_LEVEL: 'silent',
  });
  const opened = await openDatabase(config, () => undefined);
  try {
    return await work(opened.db);
  } finally {
    await opened.close();
  }
}

export function createTokenLocally(dataDir: string | undefined, input: { role: Role; userHandle: string; expiresAt?: Date; name?: string }) {
  return withDatabase(dataDir, async (db) => {
    const { secret, token } = await createApiToken(db, input);
    return { secret, token: viewOf(token) };
  });
}

export function listTokensLocally(dataDir: string | undefined, includeInactive: boolean) {
  return withDatabase(dataDir, async (db) => (await listApiTokens(db, { includeInactive })).map(viewOf));
}

export function revokeTokenLocally(dataDir: string | undefined, id: string) {
  return withDatabase(dataDir, async (db) => viewOf(await revokeApiToken(db, id)));
}
