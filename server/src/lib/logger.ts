import { pino, type Logger } from 'pino';

export type { Logger };

// JSON lines in production (for a log pipeline); pino-pretty, a dev dependency, under `npm run dev`.
export function createLogger(level: string, pretty = false): Logger {
  return pino({
    level,
    base: { service: 'examgate' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } } : {}),
  });
}
