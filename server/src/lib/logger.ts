import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

export type { Logger };

// `human` for a person watching a terminal, `json` lines for a log pipeline.
export type LogFormat = 'human' | 'json';

export function chooseLogFormat(setting: 'auto' | LogFormat, isTerminal: boolean): LogFormat {
  return setting === 'auto' ? (isTerminal ? 'human' : 'json') : setting;
}

// Values in a statement (a code, a name hash, an address) are personal data: a logged database error keeps
// the statement's shape and the server's message without them.
export function withoutValues(text: string): string {
  return text
    .replace(/'(?:[^'\\]|\\.|'')*'/g, '?')
    .replace(/"(?:[^"\\]|\\.)*"/g, '?')
    .replace(/\b[xX]'[0-9a-fA-F]*'|\b0x[0-9a-fA-F]+\b/g, '?')
    .replace(/(?<![\w`])-?\d+(?:\.\d+)?(?![\w`])/g, '?');
}

type SerializedError = ReturnType<typeof pino.stdSerializers.err> & { sql?: string; sqlMessage?: string; sqlState?: string };

export function redactedError(error: Error): SerializedError {
  const serialized = pino.stdSerializers.err(error) as SerializedError;
  if (typeof serialized.sql === 'string' || typeof serialized.sqlState === 'string') {
    if (typeof serialized.sql === 'string') serialized.sql = withoutValues(serialized.sql);
    if (typeof serialized.sqlMessage === 'string') serialized.sqlMessage = withoutValues(serialized.sqlMessage);
    serialized.message = withoutValues(serialized.message);
    // The stack's first line repeats the message; the frames below it hold no values.
    if (typeof serialized.stack === 'string') {
      const [first = '', ...frames] = serialized.stack.split('\n');
      serialized.stack = [withoutValues(first), ...frames].join('\n');
    }
  }
  return serialized;
}

export interface LoggerOptions {
  level: string;
  format: LogFormat;
  // Where lines go; standard output when not given.
  destination?: Writable;
}

export function createLogger({ level, format, destination }: LoggerOptions): Logger {
  const options = {
    level,
    base: format === 'json' ? { service: 'examgate' } : undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: redactedError },
  };
  if (format === 'human') return pino(options, humanLines(destination ?? process.stdout, level === 'debug' || level === 'trace'));
  // Asynchronous writes: a synchronous write per access line cost the event loop a system call per
  // request. Lines logged while a write is in flight go out together with the next one, and pino
  // flushes what is left when the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const QUIET_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'err']);

// One short line per record: time, level (shouted only when it needs attention), message and its fields.
function humanLines(out: Writable, withStacks: boolean): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean);
      const text = lines.map((line) => humanLine(line, withStacks)).join('');
      if (out.write(text)) callback();
      else out.once('drain', () => callback());
    },
  });
}

function humanLine(line: string, withStacks: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${line}\n`;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const level = LEVELS[record.level as number] ?? String(record.level);
  const fields = Object.entries(record)
    .filter(([key]) => !QUIET_KEYS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const err = record.err as { message?: string; stack?: string } | undefined;
  const problem = err ? (withStacks && err.stack ? `\n${err.stack}` : `: ${err.message}`) : '';
  return `${time} ${level.padEnd(5)} ${typeof record.msg === 'string' ? record.msg : ''}${problem}${fields.length > 0 ? `  (${fields.join(' ')})` : ''}\n`;
}
