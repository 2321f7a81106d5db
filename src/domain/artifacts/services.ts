// What artifact operations need: the database, the stores and the server settings.
import type { TroveConfig } from '../../config';
import type { Database, SqlReader } from '../../db/client';
import type { User } from '../../db/generated/client';
import type { StoreRegistry } from '../../storage/open-store';
import type { FaultPoints } from '../fault-points';
import type { TroveObserver } from '../observer';

export interface ArtifactServices {
  db: Database;
  /** Plain reads beside Prisma, for lookups every save makes (see SqlReader). */
  read: SqlReader;
  stores: StoreRegistry;
  config: TroveConfig;
  user: User;
  /** Named points where tests pause, fail or crash the protocol (no rules in production). */
  faults: FaultPoints;
  /** Told what happened, for /metrics. */
  observer?: TroveObserver;
}

/** What a save or replace answers: the artifact, whether it is new, and LaminDB-style warnings. */
export interface ArtifactOutcome<T> {
  artifact: T;
  created: boolean;
  warnings: string[];
}
