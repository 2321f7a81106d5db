// Assembles a running Trove from configuration: database, stores, bootstrap records and the HTTP gateway.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { TroveConfig } from './config';
import type { TroveServices } from './context';
import type { DatabaseOptions } from './db/client';
import { openDatabase } from './db/open-database';
import { ensureDefaultStorage, ensureUser } from './domain/bootstrap';
import { createGateway, type Gateway } from './http/gateway';
import { loadSigningSecret, UrlSigner } from './http/signing';
import { StoreRegistry } from './storage/open-store';
import type { S3Settings } from './storage/s3-store';

export interface Trove {
  services: TroveServices;
  gateway: Gateway;
  databaseUrl: string;
  close(): Promise<void>;
}

export interface TroveOptions {
  database?: DatabaseOptions;
  /** Per-root S3 settings, e.g. credentials of one bucket. */
  s3SettingsByRoot?: Record<string, S3Settings>;
}

export async function createTrove(config: TroveConfig, log: Logger, options: TroveOptions = {}): Promise<Trove> {
  const opened = await openDatabase(config, (message) => log.debug({ component: 'postgres' }, message), options.database);
  if (opened.migrationsApplied.length) log.info({ migrations: opened.migrationsApplied }, 'applied database migrations');
  try {
    const stores = new StoreRegistry({ endpoint: config.s3Endpoint, region: config.awsRegion }, options.s3SettingsByRoot);
    const user = await ensureUser(opened.db, config.userHandle);
    await ensureDefaultStorage(opened.db, config.defaultStorageRoot, user, config.awsRegion);
    const signer = new UrlSigner(await loadSigningSecret(config.dataDir, config.secret));
    const services: TroveServices = { db: opened.db, stores, config, log, user, signer };
    return { services, gateway: createGateway(services), databaseUrl: opened.url, close: opened.close };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

export async function listen(trove: Trove, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => trove.gateway.handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}` };
}
