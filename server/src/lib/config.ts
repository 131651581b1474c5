import proxyAddr from 'proxy-addr';
import { z } from 'zod';

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const BOOLEAN_WORDS = ['true', 'false', '1', '0', 'yes', 'no'] as const;
const isTrue = (value: (typeof BOOLEAN_WORDS)[number]) => value === 'true' || value === '1' || value === 'yes';

const boolean = (fallback: boolean) =>
  z
    .enum(BOOLEAN_WORDS)
    .default(fallback ? 'true' : 'false')
    .transform(isTrue);

// Unset or empty: undefined, for a default that depends on other settings.
const optionalBoolean = () =>
  z
    .enum(BOOLEAN_WORDS)
    .or(z.literal(''))
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : isTrue(value)));

// Express's `trust proxy` takes a hop count or a list of addresses/CIDRs; compiling the list here turns
// a typo into a start-up error instead of silently trusting nobody (or everybody).
const trustProxy = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): false | number | string[] => {
    if (value === undefined || value === '' || value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
    try {
      proxyAddr.compile(entries);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a hop count or a list of addresses/CIDRs: ${(error as Error).message}` });
      return z.NEVER;
    }
    return entries;
  });

const databaseUrl = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value))
  .refine((value) => value === undefined || /^mysql:\/\/[^/]+\/[^/?]+/.test(value), {
    message: 'must look like mysql://user:password@host:3306/database',
  });

// A secret of at least 32 random bytes, as base64 (openssl rand -base64 32). Kept as text; decoded by its user.
const secretKey = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === '' ? undefined : value))
  .refine((value) => value === undefined || (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length >= 32), {
    message: 'must be at least 32 random bytes as base64, for example from: openssl rand -base64 32',
  });

export const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: integer(3000, 0, 65535),
  DATABASE_URL: databaseUrl,
  DATA_DIR: z.string().trim().min(1).default('.data'),
  TRUST_PROXY: trustProxy,
  // Unset: DB_POOL_SIZE (see withDerivedDefaults).
  MAX_IN_FLIGHT_REQUESTS: z
    .union([z.literal(''), z.coerce.number().int().min(1).max(100_000)])
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
  DB_POOL_SIZE: integer(16, 1, 500),
  DB_POOL_QUEUE_LIMIT: integer(10_000, 1, 100_000),
  DB_ACQUIRE_TIMEOUT_MS: integer(5000, 50, 60_000),
  DB_QUERY_TIMEOUT_MS: integer(5000, 100, 120_000),
  DB_LOCK_WAIT_TIMEOUT_S: integer(2, 1, 60),
  TX_MAX_ATTEMPTS: integer(4, 1, 20),
  RETRY_AFTER_S: integer(2, 1, 600),
  CHECKIN_FAILURE_WINDOW_S: integer(300, 10, 24 * 3600),
  CHECKIN_MAX_FAILURES_PER_DEVICE: integer(10, 1, 100_000),
  CHECKIN_MAX_FAILURES_PER_ADDRESS_AND_CODE: integer(10, 1, 100_000),
  PROCTOR_IDLE_TIMEOUT_MIN: integer(120, 1, 24 * 60),
  PROCTOR_SESSION_MAX_HOURS: integer(14, 1, 24 * 7),
  LOGIN_FAILURE_WINDOW_MIN: integer(15, 1, 24 * 60),
  LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS: integer(10, 1, 10_000),
  LOGIN_MAX_FAILURES_PER_USER: integer(50, 1, 100_000),
  LOGIN_MAX_TRIES_PER_ADDRESS_WHEN_TARGETED: integer(3, 1, 10_000),
  DEVICE_CHANGE_REQUEST_TTL_S: integer(600, 10, 24 * 3600),
  // The holder's device key from another address within this many seconds of the holder's last admitted
  // use is refused as a copied key, for a proctor to decide; 0 turns it off.
  DEVICE_KEY_COPY_WINDOW_S: integer(10, 0, 3600),
  // Webhook deliveries: whether this instance delivers (any one instance is enough), how often it looks for due ones (its own commits wake it at once), and
  // the longest wait between two tries of a failing one (tries start 1 s apart and double up to this).
  WEBHOOK_DELIVERY: boolean(true),
  // The key check-in receipts are made with, kept outside the database so that whoever can read the
  // database cannot make receipts; every instance and the CLI need the same. Unset: a key in app_secrets.
  RECEIPT_KEY: secretKey,
  WEBHOOK_POLL_MS: integer(1000, 50, 60_000),
  WEBHOOK_RETRY_MAX_S: integer(300, 1, 3600),
  STREAM_POLL_MS: integer(100, 10, 10_000),
  STREAM_HEARTBEAT_S: integer(15, 1, 600),
  // Unset: see shouldSeedDemo.
  SEED_DEMO: optionalBoolean(),
  SERVE_CLIENT: boolean(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // How often the log says how many check-ins happened (only while they happen); 0 turns it off.
  CHECKIN_SUMMARY_S: integer(10, 0, 3600),
  // auto: readable lines when standard output is a terminal, JSON lines otherwise.
  LOG_FORMAT: z.enum(['auto', 'human', 'json']).default('auto'),
});

// Requests in flight beyond what the database pool can work on only queue inside the pool, first come
// first served, where one address sending thousands could make everyone wait; held back by admission
// instead, they are served fairly between addresses. Measured on 2 cores: a 3,000-participant burst
// took the same time with 16 in flight as with 256.
function withDerivedDefaults(config: z.infer<typeof ConfigSchema>) {
  return { ...config, MAX_IN_FLIGHT_REQUESTS: config.MAX_IN_FLIGHT_REQUESTS ?? config.DB_POOL_SIZE };
}

export type Config = Readonly<ReturnType<typeof withDerivedDefaults>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Limits that could refuse an honest exam hall, or let a stranger lock a participant or proctor out, are
// gone; a deployment that still sets them is told what replaced them rather than silently ignored.
const RETIRED: Record<string, string> = {
  CHECKIN_MAX_FAILURES_PER_IP_AND_CODE: 'CHECKIN_MAX_FAILURES_PER_ADDRESS_AND_CODE',
  CHECKIN_MAX_FAILURES_PER_CODE: 'CHECKIN_MAX_FAILURES_PER_ADDRESS_AND_CODE (no limit counts a code alone any more)',
  CHECKIN_MAX_FAILURES_PER_IP: 'CHECKIN_MAX_FAILURES_PER_DEVICE (no limit counts an address alone any more)',
  LOGIN_MAX_FAILURES_PER_IP: 'LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS (no limit counts an address alone any more)',
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  const retired = Object.keys(RETIRED)
    .filter((name) => env[name] !== undefined)
    .map((name) => `${name}: no longer used; see ${RETIRED[name]}`);
  if (!parsed.success || retired.length > 0) {
    throw new ConfigError([...(parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? []), ...retired]);
  }
  return Object.freeze(withDerivedDefaults(parsed.data));
}

// The demo exam is for trying examgate out: `npm start` on a fresh clone (its private database) creates it
// in an empty database unless told not to; a deployment on a DATABASE_URL of its own only when asked.
export function shouldSeedDemo(config: Config): boolean {
  return config.SEED_DEMO ?? config.DATABASE_URL === undefined;
}

// Settings that work but are easy to get wrong, said at start-up (and by `npm run cli`'s commands that
// serve nothing, never).
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (typeof config.TRUST_PROXY === 'number') {
    warnings.push(
      `TRUST_PROXY=${config.TRUST_PROXY} trusts whatever connects as the last ${config.TRUST_PROXY} hop(s): a client that reaches examgate ` +
        'directly, not through the proxy, chooses its own address with X-Forwarded-For, passes allowed networks and escapes the ' +
        'per-address limits. Name the proxy instead: TRUST_PROXY=<its address or CIDR>[,...].',
    );
  }
  return warnings;
}
