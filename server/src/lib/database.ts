import { EventEmitter } from 'node:events';
import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { CLUSTER_STATUS, type ClusterState, clusterStateOf, describeNode, nodeUrls, probeNode, type StatusRow } from './database-url.ts';
import { UnavailableError } from './errors.ts';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  queueLimit: number;
  acquireTimeoutMs: number;
  queryTimeoutMs: number;
  lockWaitTimeoutS: number;
  maxAttempts: number;
  retryAfterS: number;
}

export type SqlValue = string | number | bigint | boolean | Date | null | Buffer;

const RETRYABLE_ERRNOS = new Set([
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
]);

const UNAVAILABLE_ERRNOS = new Set([
  1040, // ER_CON_COUNT_ERROR
  1047, // ER_UNKNOWN_COM_ERROR: a Galera node outside the primary component ("WSREP has not yet prepared node")
  1053, // ER_SERVER_SHUTDOWN
  1927, // ER_CONNECTION_KILLED (MariaDB)
  2002, 2003, 2006, 2013, // client: can't connect, gone away, lost connection
  3169, // ER_SESSION_WAS_KILLED (MySQL)
]);

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_CONNECTION_KILLED',
]);

interface DriverError {
  errno?: number;
  code?: string;
  fatal?: boolean;
  message?: string;
}

export type DatabaseErrorKind = 'retryable' | 'unavailable' | 'other';

export function classifyDatabaseError(error: unknown): DatabaseErrorKind {
  if (error instanceof UnavailableError) return 'unavailable';
  if (typeof error !== 'object' || error === null) return 'other';
  const { errno, code, fatal, message } = error as DriverError;
  if (errno !== undefined && RETRYABLE_ERRNOS.has(errno)) return 'retryable';
  if (fatal) return 'unavailable';
  if (errno !== undefined && UNAVAILABLE_ERRNOS.has(errno)) return 'unavailable';
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return 'unavailable';
  if (message === 'Queue limit reached.' || message === 'Pool is closed.') return 'unavailable';
  return 'other';
}

export interface ReadOptions {
  // DATETIME columns as the database's 'YYYY-MM-DD HH:MM:SS.mmm' text instead of Date objects: for large
  // reads that only pass the times on (see isoFromDatabase).
  dateStrings?: boolean;
}

// The database's UTC DATETIME(3) text as ISO 8601, the same text Date.toISOString() gives.
export function isoFromDatabase(text: string): string;
export function isoFromDatabase(text: string | null): string | null;
export function isoFromDatabase(text: string | null): string | null {
  if (text === null) return null;
  // DATETIME(3): 'YYYY-MM-DD HH:MM:SS.mmm'; other precisions are padded or cut to milliseconds.
  if (text.length === 23) return `${text.slice(0, 10)}T${text.slice(11)}Z`;
  const [clock, fraction = ''] = text.slice(11).split('.');
  return `${text.slice(0, 10)}T${clock}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
}

// A handle that runs prepared statements with a per-statement timeout, so a database that stops
// answering turns into an error instead of a request that hangs.
export class SqlHandle {
  constructor(
    protected readonly connection: PoolConnection,
    protected readonly timeoutMs: number,
  ) {}

  async rows<T extends RowDataPacket>(sql: string, values: SqlValue[] = [], options: ReadOptions = {}): Promise<T[]> {
    // The text protocol sends DATETIME as text already, so dateStrings costs nothing there; the binary
    // protocol would format each one (slower than building Date objects).
    const [rows] = options.dateStrings
      ? await this.connection.query<T[]>({ sql, timeout: this.timeoutMs, dateStrings: true }, values)
      : await this.connection.execute<T[]>({ sql, timeout: this.timeoutMs }, values);
    return rows;
  }

  async run(sql: string, values: SqlValue[] = []): Promise<ResultSetHeader> {
    const [result] = await this.connection.execute<ResultSetHeader>({ sql, timeout: this.timeoutMs }, values);
    return result;
  }
}

const transactionToken = Symbol('transaction');

export interface Statement {
  sql: string;
  values: SqlValue[];
}

// Only withTransaction can create a Tx, so a repository function that demands one (every FOR UPDATE)
// cannot be called outside a transaction: the compiler refuses it.
//
// A Tx saves round trips: BEGIN travels with the first statement, and writes whose results nobody reads
// (`defer`) travel with the next statement or with COMMIT. A check-in is then two round trips instead of
// five, with every decision still made under the row lock: deferred writes run before anything that
// follows them, in order, inside the same transaction. What a transaction `publish`es is announced only
// after its COMMIT (see withTransaction), so no caller can announce a change that was rolled back.
export class Tx extends SqlHandle {
  #begun = false;
  // On a Galera node, a transaction rolled back by a replicated write (a "brute-force abort") between two
  // statements of one multi-statement packet does not stop the packet: the statements after it run on their
  // own, autocommitted. A check-in's audit row would then be rolled back and its participant update kept
  // (seen in the cluster tests: rows pointing at audit ids that do not exist). Each packet is checked for an
  // abort before it runs, so there every write travels in a packet of its own.
  readonly #oneStatementPerPacket: boolean;
  #committed = false;
  #deferred: Statement[] = [];
  #published: { topic: string; item: unknown }[] = [];

  constructor(
    token: symbol,
    connection: PoolConnection,
    timeoutMs: number,
    oneStatementPerPacket: boolean,
    // On a Galera cluster, which node of how many this transaction runs on (as of the last few seconds).
    readonly clusterNode?: ClusterNode,
  ) {
    if (token !== transactionToken) throw new Error('Tx is created by withTransaction only');
    super(connection, timeoutMs);
    this.#oneStatementPerPacket = oneStatementPerPacket;
  }

  get begun(): boolean {
    return this.#begun;
  }

  // Sends BEGIN (first time), the deferred writes and `statements` in one round trip; returns the
  // results of `statements`.
  async #send(statements: Statement[]): Promise<unknown[]> {
    if (this.#committed) throw new Error('The transaction has already been committed');
    const batch: Statement[] = [];
    if (!this.#begun) batch.push({ sql: 'START TRANSACTION', values: [] });
    batch.push(...this.#deferred.splice(0), ...statements);
    this.#begun = true;
    if (this.#oneStatementPerPacket && batch.length > 1) {
      // BEGIN may share its packet with the statement after it (nothing can abort a transaction before it
      // holds a lock); every other statement goes alone.
      const packets = batch[0]!.sql === 'START TRANSACTION' ? [batch.slice(0, 2), ...batch.slice(2).map((item) => [item])] : batch.map((item) => [item]);
      const results: unknown[] = [];
      for (const packet of packets) {
        const [result] = await this.connection.query({
          sql: packet.map((item) => item.sql).join(';\n'),
          values: packet.flatMap((item) => item.values),
          timeout: this.timeoutMs,
        });
        results.push(...(packet.length === 1 ? [result] : (result as unknown[])));
      }
      return results.slice(batch.length - statements.length);
    }
    const [results] = await this.connection.query({
      sql: batch.map((item) => item.sql).join(';\n'),
      values: batch.flatMap((item) => item.values),
      timeout: this.timeoutMs,
    });
    return batch.length === 1 ? [results] : (results as unknown[]).slice(batch.length - statements.length);
  }

  override async rows<T extends RowDataPacket>(sql: string, values: SqlValue[] = []): Promise<T[]> {
    const [rows] = await this.#send([{ sql, values }]);
    return rows as T[];
  }

  // Several reads in one round trip (one after another, in order), with each one's rows.
  async rowsOfEach(statements: Statement[]): Promise<RowDataPacket[][]> {
    return (await this.#send(statements)) as RowDataPacket[][];
  }

  override async run(sql: string, values: SqlValue[] = []): Promise<ResultSetHeader> {
    const [result] = await this.#send([{ sql, values }]);
    return result as ResultSetHeader;
  }

  defer(sql: string, values: SqlValue[] = []): void {
    this.#deferred.push({ sql, values });
  }

  // Handed to the database's `events` under `topic` once this transaction has committed, and dropped if
  // it rolls back: listeners hear only of what is really in the database.
  publish(topic: string, item: unknown): void {
    this.#published.push({ topic, item });
  }

  get published(): readonly { topic: string; item: unknown }[] {
    return this.#published;
  }

  async commit(): Promise<void> {
    if (this.#committed || (!this.#begun && this.#deferred.length === 0)) return;
    await this.#send([{ sql: 'COMMIT', values: [] }]);
    this.#committed = true;
  }
}

// Galera's view of the node this handle is connected to; undefined when the server is not a Galera node.
export async function clusterState(handle: SqlHandle): Promise<ClusterState | undefined> {
  return clusterStateOf(await handle.rows<RowDataPacket & StatusRow>(CLUSTER_STATUS, [], { dateStrings: true }));
}

export async function databaseNow(handle: SqlHandle): Promise<Date> {
  const [row] = await handle.rows<RowDataPacket & { now: Date }>('SELECT UTC_TIMESTAMP(3) AS now');
  return row!.now;
}

export interface ClusterNode {
  index: number;
  size: number;
}

// How long a node's place in the cluster is taken as known: it changes only when nodes join or leave, and a
// stale one costs only a few more certification conflicts (see seats.repo.ts).
const CLUSTER_NODE_TTL_MS = 10_000;

export class Database {
  // Observability hooks ('retry', 'row-lock', 'failover') and what committed transactions published (by
  // topic), so metrics and the live stream need not reach into the data layer.
  readonly events = new EventEmitter();
  // The nodes DATABASE_URL names, in order; the pool talks to one of them at a time.
  readonly nodes: string[];
  #node = 0;
  #pool: Pool;
  // Whether the database is a Galera node (see Tx); found out on the first transaction.
  #galera: Promise<boolean> | undefined;
  #clusterNode: { node: Promise<ClusterNode | undefined>; readAt: number } | undefined;
  #failingOver: Promise<void> | undefined;
  #closed = false;

  constructor(readonly options: DatabaseOptions) {
    this.events.setMaxListeners(0);
    this.nodes = nodeUrls(options.url);
    this.#pool = this.#createPool(this.nodes[0]!);
  }

  get pool(): Pool {
    return this.#pool;
  }

  // Where the pool points now, for messages and /readyz.
  get node(): string {
    return describeNode(this.nodes[this.#node]!);
  }

  #createPool(url: string): Pool {
    const options = this.options;
    const pool = mysql.createPool({
      uri: url,
      connectionLimit: options.poolSize,
      maxIdle: options.poolSize,
      idleTimeout: 60_000,
      queueLimit: options.queueLimit,
      waitForConnections: true,
      connectTimeout: Math.min(options.acquireTimeoutMs, 10_000),
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
      timezone: 'Z',
      charset: 'UTF8MB4_UNICODE_CI',
      supportBigNumbers: true,
      decimalNumbers: true,
      // Transactions send several statements in one round trip (see Tx). All SQL here is constant text
      // with placeholders, so this widens nothing an attacker controls.
      multipleStatements: true,
      // mysql2 would otherwise capture a stack trace for every query (5% of a check-in's CPU); errors
      // are handled by their codes.
      trace: false,
    });
    // READ COMMITTED: every decision is made under a row lock, so we gain nothing from REPEATABLE READ's
    // snapshots and would pay for its gap locks (a lookup of an unknown code would block roster inserts).
    pool.pool.on('connection', (connection) => {
      const destroyOnError = (error: Error | null) => {
        if (error) connection.destroy();
      };
      connection.query(
        `SET SESSION innodb_lock_wait_timeout = ${Number(options.lockWaitTimeoutS)}, time_zone = '+00:00'`,
        destroyOnError,
      );
      connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', destroyOnError);
    });
    return pool;
  }

  // Told of every failure that looked like the node going away. With several nodes, the current one is
  // checked and, if it cannot serve, the pool moves to the first node (in the listed order) that can. The
  // requests that failed meanwhile were answered 503 with Retry-After; their transactions either
  // committed (a retry then finds the device already let in) or did not, never both.
  nodeUnavailable(): void {
    if (this.nodes.length < 2 || this.#closed) return;
    this.#failingOver ??= this.#failOver().finally(() => {
      this.#failingOver = undefined;
    });
  }

  isGalera(connection: PoolConnection): Promise<boolean> {
    this.#galera ??= connection
      .query<RowDataPacket[]>("SHOW VARIABLES LIKE 'wsrep_on'")
      .then(([rows]) => rows[0]?.Value === 'ON')
      .catch((error: unknown) => {
        this.#galera = undefined;
        throw error;
      });
    return this.#galera;
  }

  clusterNode(connection: PoolConnection): Promise<ClusterNode | undefined> {
    const now = performance.now();
    if (!this.#clusterNode || now - this.#clusterNode.readAt > CLUSTER_NODE_TTL_MS) {
      const node = connection
        .query<RowDataPacket[]>("SHOW STATUS WHERE Variable_name IN ('wsrep_local_index', 'wsrep_cluster_size')")
        .then(([rows]) => {
          const value = (name: string) => Number(rows.find((row) => row.Variable_name === name)?.Value);
          const index = value('wsrep_local_index');
          const size = value('wsrep_cluster_size');
          return Number.isInteger(index) && Number.isInteger(size) && index >= 0 && index < size ? { index, size } : undefined;
        })
        .catch(() => undefined);
      this.#clusterNode = { node, readAt: now };
    }
    return this.#clusterNode.node;
  }

  // At start-up: the first listed node that can serve, rather than the first listed.
  async chooseReadyNode(): Promise<void> {
    if (this.nodes.length > 1) await this.#failOver();
  }

  async #failOver(): Promise<void> {
    for (let step = 0; step < this.nodes.length; step++) {
      const candidate = (this.#node + step) % this.nodes.length;
      if (!(await probeNode(this.nodes[candidate]!)).ready) continue;
      if (candidate === this.#node || this.#closed) return;
      const from = this.node;
      const old = this.#pool;
      this.#node = candidate;
      this.#pool = this.#createPool(this.nodes[candidate]!);
      this.events.emit('failover', { from, to: this.node });
      void old.end().catch(() => {});
      return;
    }
  }

  unavailable(reason: string, cause?: unknown): UnavailableError {
    return new UnavailableError(reason, this.options.retryAfterS, { cause });
  }

  // mysql2's pool has no acquire timeout of its own: a request queued behind a stuck pool would wait forever.
  acquire(): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(this.unavailable('timed out waiting for a database connection'));
      }, this.options.acquireTimeoutMs);
      this.pool.getConnection().then(
        (connection) => {
          if (settled) {
            connection.release();
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve(connection);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (classifyDatabaseError(error) === 'other') return reject(asError(error));
          this.nodeUnavailable();
          reject(this.unavailable('cannot reach the database', error));
        },
      );
    });
  }

  async read<T>(work: (db: SqlHandle) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    let reusable = true;
    try {
      return await work(new SqlHandle(connection, this.options.queryTimeoutMs));
    } catch (error) {
      reusable = classifyDatabaseError(error) !== 'unavailable';
      throw this.translate(error);
    } finally {
      if (reusable) connection.release();
      else connection.destroy();
    }
  }

  translate(error: unknown): unknown {
    if (error instanceof UnavailableError) return error;
    if (classifyDatabaseError(error) !== 'unavailable') return error;
    this.nodeUnavailable();
    return this.unavailable('lost the database connection', error);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#failingOver;
    await this.#pool.end();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rollbackOrDestroy(connection: PoolConnection, timeoutMs: number): Promise<boolean> {
  try {
    await connection.query({ sql: 'ROLLBACK', timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

// Owns BEGIN/COMMIT/ROLLBACK (through Tx) and release. A deadlock or lock-wait timeout reruns the whole unit of work
// (never a single statement: InnoDB may already have rolled the transaction back), with jitter so that
// the retried transactions do not collide again in lockstep.
export async function withTransaction<T>(db: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  const { maxAttempts, queryTimeoutMs } = db.options;
  for (let attempt = 1; ; attempt++) {
    const connection = await db.acquire();
    let reusable = true;
    let tx: Tx | undefined;
    let result: T;
    try {
      const galera = await db.isGalera(connection);
      tx = new Tx(transactionToken, connection, queryTimeoutMs, galera, galera ? await db.clusterNode(connection) : undefined);
      result = await work(tx);
      await tx.commit();
    } catch (error) {
      const kind = classifyDatabaseError(error);
      reusable = kind !== 'unavailable' && (!tx?.begun || (await rollbackOrDestroy(connection, queryTimeoutMs)));
      if (kind === 'retryable' && attempt < maxAttempts) {
        db.events.emit('retry');
        await sleep(Math.random() * 20 * attempt);
        continue;
      }
      if (kind === 'retryable') throw db.unavailable(`gave up after ${attempt} attempts on lock contention`, error);
      throw db.translate(error);
    } finally {
      if (reusable) connection.release();
      else connection.destroy();
    }
    announce(db, tx.published);
    return result;
  }
}

function announce(db: Database, published: readonly { topic: string; item: unknown }[]): void {
  if (published.length === 0) return;
  const byTopic = new Map<string, unknown[]>();
  for (const { topic, item } of published) byTopic.set(topic, [...(byTopic.get(topic) ?? []), item]);
  for (const [topic, items] of byTopic) db.events.emit(topic, items);
}
