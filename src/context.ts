// Per-request context. Long-lived services (database, stores, configuration) are built once per gateway.
import type { Logger } from 'pino';
import type { TroveConfig } from './config';
import type { Database } from './db/client';
import type { User } from './db/generated/client';
import type { UrlSigner } from './http/signing';
import type { StoreRegistry } from './storage/open-store';

export interface TroveServices {
  db: Database;
  stores: StoreRegistry;
  config: TroveConfig;
  log: Logger;
  /** The user records are created as (one per server; authentication is not part of Trove yet). */
  user: User;
  signer: UrlSigner;
}

export interface TroveContext extends TroveServices {
  requestId: string;
  /** Origin clients reach this server at (TROVE_PUBLIC_URL, else the request's own origin). */
  baseUrl: string;
  /** The request carried the admin token. */
  isAdmin: boolean;
}
