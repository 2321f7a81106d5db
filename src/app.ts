// Assembles a running Trove from configuration: database, stores, bootstrap records and the HTTP gateway.
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { TroveConfig } from './config';
import type { TroveServices } from './context';
import type { DatabaseOptions } from './db/client';
import type { Storage } from './db/generated/client';
import { openDatabase } from './db/open-database';
import { ensureDefaultStorage, ensureUser } from './domain/bootstrap';
import { ensureStorageMarker } from './domain/storage-marker';
import { FaultPoints } from './domain/fault-points';
import { startRecovery } from './domain/recovery/scheduler';
import type { SweepReport } from './domain/recovery/sweep';
import { createGateway, type Gateway } from './http/gateway';
import { TroveMetrics } from './http/metrics';
import { loadSigningSecret, signingSecretFile, UrlSigner } from './http/signing';
import { StoreRegistry } from './storage/open-store';
import type { S3Settings } from './storage/s3-store';

export interface Trove {
  services: TroveServices;
  gateway: Gateway;
  databaseUrl: string;
  /** The start-up recovery sweep (runs in the background while the server starts serving). */
  recovered: Promise<SweepReport | undefined>;
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
    // No storage may reach the embedded database or the signing secret, whatever roots were registered.
    const protectedPaths = [path.join(config.dataDir, 'postgres'), signingSecretFile(config.dataDir)];
    const stores = new StoreRegistry({ endpoint: config.s3Endpoint, region: config.awsRegion }, options.s3SettingsByRoot, protectedPaths, {
      maxSingleBytes: config.s3MaxSingleBytes,
      partBytes: config.s3PartBytes,
    });
    const user = await ensureUser(opened.db, config.userHandle);
    const defaultStorage = await ensureDefaultStorage(opened.db, config.defaultStorageRoot, user, config.awsRegion, { keepChosen: !config.defaultStorageFromEnv });
    await markDefaultStorage(stores, defaultStorage, log);
    const signer = new UrlSigner(
      await loadSigningSecret(config.dataDir, config.secret),
      config.previousSecret ? Buffer.from(config.previousSecret) : undefined,
    );
    const faults = FaultPoints.fromSpec(config.faults, config.faultSeed);
    const metrics = new TroveMetrics(opened.pool);
    const services: TroveServices = { db: opened.db, read: opened.read, stores, config, log, user, signer, faults, metrics, observer: metrics };
    const recovery = startRecovery(services);
    return {
      services,
      gateway: createGateway(services),
      databaseUrl: opened.url,
      recovered: recovery.firstRun,
      close: async () => {
        await recovery.stop();
        await opened.close();
      },
    };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

export async function listen(trove: Trove, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer(
    {
      // Slow senders of headers are cut off; bodies are timed per route (GraphQL bodies by TROVE_REQUEST_TIMEOUT_SECONDS,
      // uploads of any length by inactivity), so the global whole-request timeout is off.
      headersTimeout: 20_000,
      requestTimeout: 0,
    },
    (request, response) => trove.gateway.handle(request, response),
  );
  // A connection that sends and receives nothing for two minutes is closed.
  server.setTimeout(120_000, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host}:${address.port}` };
}

/** LaminDB's marker in the default storage; a storage that cannot be written yet does not stop the start. */
async function markDefaultStorage(stores: StoreRegistry, storage: Storage, log: Logger): Promise<void> {
  try {
    const marked = await ensureStorageMarker(stores.storeFor(storage.root), storage.uid);
    if (marked !== storage.uid) log.warn({ root: storage.root, marked }, `the default storage is marked as storage ${marked}, not ${storage.uid}: another LaminDB or Trove instance may manage it`);
  } catch (error) {
    log.warn({ root: storage.root, err: error }, 'could not write the storage marker (.lamindb/storage_uid.txt) in the default storage');
  }
}
