import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { clusterState, type Database } from './database.ts';

// What admission reports; the gate is created after the app, so it is attached later (watchAdmission).
export interface AdmissionState {
  inFlight(): number;
  waiting(): number;
  slowBodiesCut(): number;
}

export interface Metrics {
  registry: Registry;
  checkIns: Counter<'outcome'>;
  watchAdmission: (admission: AdmissionState) => void;
  close(): void;
}

interface PoolInternals {
  _allConnections: { length: number };
  _freeConnections: { length: number };
  _connectionQueue: { length: number };
}

export const METRICS_PATH = '/metrics';

// One registry per app, so several apps in one process (tests) do not share counters.
export function createMetrics(db: Database, connectedDashboards: () => number): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'examgate_' });
  const checkIns = new Counter({
    name: 'examgate_checkins_total',
    help: 'Check-in attempts by outcome (the result, or the error code)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'examgate_transaction_retries_total',
    help: 'Transactions rerun after a deadlock or lock-wait timeout',
    registers: [registry],
  });
  const rowLock = new Histogram({
    name: 'examgate_row_lock_seconds',
    help: 'Time to take a participant row lock (SELECT ... FOR UPDATE round trip, waiting included)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'examgate_db_pool_connections',
    help: 'Database pool connections by state; "queued" are requests waiting for one',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      // mysql2 exposes no public pool statistics; these fields are stable across its 3.x releases.
      const pool = db.pool.pool as unknown as PoolInternals;
      this.set({ state: 'in_use' }, pool._allConnections.length - pool._freeConnections.length);
      this.set({ state: 'idle' }, pool._freeConnections.length);
      this.set({ state: 'queued' }, pool._connectionQueue.length);
    },
  });
  new Gauge({
    name: 'examgate_stream_clients',
    help: 'Dashboards connected to the live stream',
    registers: [registry],
    collect() {
      this.set(connectedDashboards());
    },
  });
  new Gauge({
    name: 'examgate_db_cluster_size',
    help: 'Nodes in the Galera cluster as the node in use sees it (0: not a Galera cluster, or not reachable)',
    registers: [registry],
    async collect() {
      this.set((await db.read((handle) => clusterState(handle)).catch(() => undefined))?.size ?? 0);
    },
  });
  let admission: AdmissionState | undefined;
  new Gauge({
    name: 'examgate_admission_requests',
    help: 'Requests being served ("in_flight", at most MAX_IN_FLIGHT_REQUESTS) and waiting for a slot ("waiting"), health checks and live streams not counted',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      if (!admission) return;
      this.set({ state: 'in_flight' }, admission.inFlight());
      this.set({ state: 'waiting' }, admission.waiting());
    },
  });
  let cutCounted = 0;
  new Counter({
    name: 'examgate_admission_slow_bodies_cut_total',
    help: 'Requests cut because their body trickled in while their address held more than its share of the slots',
    registers: [registry],
    collect() {
      const cut = admission?.slowBodiesCut() ?? 0;
      this.inc(cut - cutCounted);
      cutCounted = cut;
    },
  });
  const failovers = new Counter({
    name: 'examgate_db_failovers_total',
    help: 'Moves of the connection pool to another database node',
    registers: [registry],
  });
  const onRetry = () => retries.inc();
  const onFailover = () => failovers.inc();
  db.events.on('failover', onFailover);
  const onRowLock = (seconds: number) => rowLock.observe(seconds);
  db.events.on('retry', onRetry);
  db.events.on('row-lock', onRowLock);
  return {
    registry,
    checkIns,
    watchAdmission: (state) => {
      admission = state;
    },
    close: () => {
      db.events.off('retry', onRetry);
      db.events.off('row-lock', onRowLock);
      db.events.off('failover', onFailover);
    },
  };
}
