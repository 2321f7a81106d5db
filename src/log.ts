// Structured logs (pino). Pretty printing is left to `pino-pretty` in a pipe, so production logs stay JSON.
import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'trove' } });
}
