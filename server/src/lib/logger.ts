import { pino, type Logger } from 'pino';

export type { Logger };

// JSON lines in production (for a log pipeline); pino-pretty, a dev dependency, under `npm run dev`.
export function createLogger(level: string, pretty = false): Logger {
  const options = { level, base: { service: 'examgate' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
  }
  // Asynchronous writes: a synchronous write per access line cost the event loop a system call per
  // request. Lines logged while a write is in flight go out together with the next one, and pino
  // flushes what is left when the process exits.
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
