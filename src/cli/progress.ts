// Progress of uploads and downloads on stderr: done/total in human sizes, rate, time left, and the step after 100%
// (the server committing) so a large save never looks stuck. Silent when stderr is not a terminal (scripts, CI).
import { SingleBar } from 'cli-progress';
import prettyBytes from 'pretty-bytes';
import type { TransferProgress } from '../client/trove-client';

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** "12.5 MB / 50 MB, 25 MB/s, 2s left" for `bytes` of `total` after `elapsedMs`. */
export function progressFigures(bytes: number, total: number, elapsedMs: number): { done: string; size: string; rate: string; left: string } {
  const rate = elapsedMs > 0 ? (bytes * 1000) / elapsedMs : 0;
  return {
    done: prettyBytes(bytes),
    size: prettyBytes(total),
    rate: `${prettyBytes(rate)}/s`,
    left: rate > 0 ? duration((total - bytes) / rate) : '?',
  };
}

export function progressBar(label: string, quiet: boolean, stream: NodeJS.WriteStream = process.stderr): TransferProgress & { stop(): void } {
  if (quiet || !stream.isTTY) return { stop: () => undefined };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {done}/{size} {rate} {left} left`, stream, hideCursor: true });
  let startedAt: number | undefined;
  let running = false;
  const stop = () => {
    if (running) bar.stop();
    running = false;
  };
  return {
    onProgress: (bytes, total) => {
      const now = Date.now();
      if (startedAt === undefined) {
        startedAt = now;
        bar.start(total, 0, progressFigures(0, total, 0));
        running = true;
      }
      bar.update(bytes, progressFigures(bytes, total, now - startedAt));
    },
    onPhase: (phase) => {
      stop();
      stream.write(`${phase}…\n`);
    },
    stop,
  };
}
