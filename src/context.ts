// Per-request context. Long-lived services (database, stores, configuration) are built once per gateway.
import type { Logger } from 'pino';
import type { TroveConfig } from './config';
import type { Database, SqlReader } from './db/client';
import type { ReadLoaders } from './db/read-loaders';
import type { User } from './db/generated/client';
import type { Viewer } from './domain/access';
import type { FaultPoints } from './domain/fault-points';
import type { TroveObserver } from './domain/observer';
import type { TroveMetrics } from './http/metrics';
import type { UrlSigner } from './http/signing';
import type { StoreRegistry } from './storage/open-store';

export interface TroveServices {
  db: Database;
  /** Plain reads beside Prisma: a page's loaders and the lookups every save makes (db/client.ts). */
  read: SqlReader;
  stores: StoreRegistry;
  config: TroveConfig;
  log: Logger;
  /** The server's own user (TROVE_USER): anonymous local requests create records as this user. */
  user: User;
  signer: UrlSigner;
  faults: FaultPoints;
  /** Prometheus metrics; also the domain's observer. */
  metrics: TroveMetrics;
  observer: TroveObserver;
}

export interface TroveContext extends TroveServices {
  requestId: string;
  /** Origin clients reach this server at (TROVE_PUBLIC_URL, else the request's own origin). */
  baseUrl: string;
  /** Who is asking and with which role. */
  viewer: Viewer;
  /** The user records are created as: the viewer's. */
  user: User;
  /** Batches this request's reads of related records (one statement per page and kind). */
  loaders: ReadLoaders;
  /** Tells authentication that tokens were made or revoked (cached answers are dropped). */
  tokensChanged(): void;
}
