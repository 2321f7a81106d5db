// Prometheus metrics at /metrics: GraphQL requests and their latency per operation (the yoga plugin), and Trove's
// own: bytes received by uploads, artifacts saved, recovery actions, database pool use, and the process's defaults.
// One registry per server, so several servers in one process (tests) never collide.
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { TroveObserver } from '../domain/observer';

export class TroveMetrics implements TroveObserver {
  readonly registry = new Registry();
  private readonly uploadBytes = new Counter({ name: 'trove_upload_bytes_total', help: 'Bytes received through PUT /uploads.', registers: [this.registry] });
  private readonly artifactsSaved = new Counter({
    name: 'trove_artifacts_saved_total',
    help: 'Artifacts saved, by outcome: created, or an existing one returned.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly recoveryActions = new Counter({
    name: 'trove_recovery_actions_total',
    help: 'What recovery did: finished or undone artifacts, deleted objects, expired uploads, errors.',
    labelNames: ['action'],
    registers: [this.registry],
  });

  constructor(pool: pg.Pool) {
    new Gauge({
      name: 'trove_db_pool_connections',
      help: 'Database connections of the pool: total, idle, and requests waiting for one.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  uploadReceived(bytes: number): void {
    this.uploadBytes.inc(bytes);
  }

  artifactSaved(created: boolean): void {
    this.artifactsSaved.inc({ outcome: created ? 'created' : 'existing' });
  }

  recovered(counts: Record<'finished' | 'undone' | 'objectsDeleted' | 'uploadsExpired' | 'errors', number>): void {
    for (const [action, count] of Object.entries(counts)) if (count > 0) this.recoveryActions.inc({ action }, count);
  }

  /** The yoga plugin: request counts, durations and errors per operation, served with the above at /metrics. */
  plugin() {
    return usePrometheus({
      endpoint: '/metrics',
      registry: this.registry,
      metrics: { graphql_yoga_http_duration: true, graphql_envelop_request: true, graphql_envelop_request_duration: true, graphql_envelop_error_result: true },
    });
  }
}
