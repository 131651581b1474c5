import type { RowDataPacket } from 'mysql2/promise';
import { limitedAddress } from '../lib/client-ip.ts';
import { databaseNow, type SqlHandle, type Tx } from '../lib/database.ts';

export interface ScopeFailures {
  scope: string;
  failures: number;
  windowStartedAt: Date;
  blockedUntil: Date | null;
}

type FailureRow = RowDataPacket & { scope: string; failures: number; window_started_at: Date; blocked_until: Date | null };

// Under the caller's lock order (the participant row first, then these in scope order): a throttled party's
// attempts run one after another, so none of them slips past the limit alongside another.
export async function lockFailures(tx: Tx, scopes: string[]): Promise<ScopeFailures[]> {
  const sorted = [...scopes].sort();
  const rows = await tx.rows<FailureRow>(
    `SELECT scope, failures, window_started_at, blocked_until FROM attempt_failures WHERE scope IN (${sorted.map(() => '?').join(', ')}) ORDER BY scope FOR UPDATE`,
    sorted,
  );
  return rows.map((row) => ({ scope: row.scope, failures: Number(row.failures), windowStartedAt: row.window_started_at, blockedUntil: row.blocked_until }));
}

// A fixed window per scope: the first failure after a window has passed starts a new one; reaching the limit
// blocks the party until the window ends. MySQL and MariaDB run the assignments left to right, each seeing
// the ones before it: `failures` still sees the old window, `blocked_until` the new count.
const COUNT_FAILURE = `
  INSERT INTO attempt_failures (scope, failures, window_started_at, blocked_until, address, code)
  VALUES (?, 1, ?, IF(1 >= ?, ? + INTERVAL ? SECOND, NULL), ?, ?)
  ON DUPLICATE KEY UPDATE
    failures = IF(window_started_at > ? - INTERVAL ? SECOND, failures + 1, 1),
    window_started_at = IF(window_started_at > ? - INTERVAL ? SECOND, window_started_at, VALUES(window_started_at)),
    blocked_until = IF(failures >= ?, window_started_at + INTERVAL ? SECOND, NULL),
    address = VALUES(address), code = VALUES(code)`;

// Where the failure came from: its address (an IPv6 address as its /64, as the limits see it) and the code
// it was for (none for a proctor login).
export interface FailureOrigin {
  address: string;
  code: string | null;
}

export interface Limit {
  windowS: number;
  max: number;
}

const countValues = (scope: string, at: Date, limit: Limit, origin: FailureOrigin) => [
  scope, at, limit.max, at, limit.windowS, limitedAddress(origin.address), origin.code,
  at, limit.windowS, at, limit.windowS, limit.max, limit.windowS,
];

export function countFailure(tx: Tx, scope: string, at: Date, limit: Limit, origin: FailureOrigin): void {
  tx.defer(COUNT_FAILURE, countValues(scope, at, limit, origin));
}

// Counts an attempt before it is judged and returns the counts after it, with the rows locked: concurrent
// attempts of one party wait for each other here, so no burst of them slips past a limit together.
export async function reserveAttempt(tx: Tx, scopes: { scope: string; limit: Limit }[], origin: FailureOrigin): Promise<{ now: Date; counts: Map<string, ScopeFailures> }> {
  const now = await databaseNow(tx);
  for (const { scope, limit } of scopes) await tx.run(COUNT_FAILURE, countValues(scope, now, limit, origin));
  return { now, counts: new Map((await lockFailures(tx, scopes.map(({ scope }) => scope))).map((row) => [row.scope, row])) };
}

// A right answer takes back the attempt reserveAttempt counted for it.
const UNCOUNT = 'UPDATE attempt_failures SET failures = GREATEST(failures, 1) - 1, blocked_until = NULL WHERE scope = ?';

export async function uncountAttempt(db: SqlHandle, scopes: string[]): Promise<void> {
  for (const scope of scopes) await db.run(UNCOUNT, [scope]);
}

// A proctor lets a participant, or an address, try again; returns how many counts were dropped. Only
// check-in counts: a proctor login's failures carry no code, and letting a hall's address check in again
// must not hand whoever sits there more password guesses.
export async function clearFailures(db: SqlHandle, by: { code: string } | { address: string }): Promise<number> {
  const result = 'code' in by
    ? await db.run('DELETE FROM attempt_failures WHERE code = ?', [by.code])
    : await db.run('DELETE FROM attempt_failures WHERE address = ? AND code IS NOT NULL', [limitedAddress(by.address)]);
  return result.affectedRows;
}
