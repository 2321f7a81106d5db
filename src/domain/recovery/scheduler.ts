// When recovery runs: a full sweep at start-up and every TROVE_RECOVERY_INTERVAL_SECONDS, and, between them, a wake-up
// as soon as some owed work's lease has expired (looked up every TROVE_RECOVERY_POLL_SECONDS with one indexed
// query), so that work a dead process left is finished or undone within seconds, by whichever server notices first.
import type { Logger } from 'pino';
import type { ArtifactServices } from '../artifacts/services';
import { type SweepReport, sweepExclusive } from './sweep';

export interface RecoveryScheduler {
  /** The start-up sweep. */
  firstRun: Promise<SweepReport | undefined>;
  stop(): Promise<void>;
}

function acted(report: SweepReport): boolean {
  return report.finished.length + report.undone.length + report.objectsDeleted.length + report.uploadsExpired.length + report.errors.length > 0;
}

export function startRecovery(services: ArtifactServices & { log: Logger }): RecoveryScheduler {
  const { config, log, db } = services;
  let stopped = false;
  let running: Promise<SweepReport | undefined> = Promise.resolve(undefined);

  const run = (onlyOwedWork: boolean) => {
    running = running.then(async () => {
      if (stopped) return undefined;
      try {
        const report = await sweepExclusive(services, { graceMs: config.recoveryGraceMs, onlyOwedWork });
        if (acted(report)) log.info({ recovery: report, onlyOwedWork }, 'recovery sweep');
        services.observer?.recovered({
          finished: report.finished.length,
          undone: report.undone.length,
          objectsDeleted: report.objectsDeleted.length,
          uploadsExpired: report.uploadsExpired.length,
          errors: report.errors.length,
        });
        return report;
      } catch (error) {
        log.error({ err: error }, 'recovery sweep failed');
        return undefined;
      }
    });
    return running;
  };

  const firstRun = run(false);
  const sweepTimer = config.recoveryIntervalMs > 0 ? setInterval(() => void run(false), config.recoveryIntervalMs) : undefined;
  sweepTimer?.unref();

  // The wake-up: the earliest lease still to expire decides when to look again, at most a poll interval away.
  let wakeTimer: NodeJS.Timeout | undefined;
  const watch = async () => {
    if (stopped) return;
    let delay = config.recoveryPollMs;
    try {
      const [earliest] = await db.$queryRaw<{ due: boolean; wait: number | null }[]>`
        SELECT min("leaseExpiresAt") <= now() AS due, extract(epoch FROM min("leaseExpiresAt") - now()) * 1000 AS wait
        FROM "StorageOperation"`;
      if (earliest?.due) await run(true);
      else if (earliest?.wait != null) delay = Math.min(delay, Math.max(10, Number(earliest.wait) + 10));
    } catch (error) {
      log.warn({ err: error }, 'could not look for expired storage work');
    }
    if (!stopped) {
      wakeTimer = setTimeout(() => void watch(), delay);
      wakeTimer.unref();
    }
  };
  if (config.recoveryPollMs > 0) void firstRun.then(() => watch());

  return {
    firstRun,
    stop: async () => {
      stopped = true;
      if (sweepTimer) clearInterval(sweepTimer);
      if (wakeTimer) clearTimeout(wakeTimer);
      await running;
    },
  };
}
