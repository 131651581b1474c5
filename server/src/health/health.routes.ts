import { Router } from 'express';
import type { LiveAnswer, NotReadyAnswer, ReadyAnswer } from '../../../contracts/health.ts';
import { clusterState, type Database } from '../lib/database.ts';
import type { ClusterState } from '../lib/database-url.ts';
import { pendingMigrations } from '../lib/migrate.ts';

// /healthz: the process answers. /readyz: it can do its job (database reachable and fully migrated), so a
// load balancer sends traffic only to instances that can check people in. Both through the pool: a probe
// must not cost a connection of its own, however often it comes.
// Answered without waiting for an admission slot: a load balancer that sees a busy instance as dead would
// take it out of service exactly when it is needed.
const LIVE_PATH = '/healthz';
const READY_PATH = '/readyz';
export const HEALTH_CHECK_PATHS = [LIVE_PATH, READY_PATH] as const;

export function healthRoutes(db: Database): Router {
  const router = Router();
  // Applied migrations are never taken back: once none is pending, reachability is all that is left to ask.
  let migrated = false;
  router.get(LIVE_PATH, (_req, res) => {
    const body: LiveAnswer = { status: 'ok' };
    res.json(body);
  });
  // On a Galera cluster the node in use must be Primary and Synced; the answer names it and the cluster's size.
  router.get(READY_PATH, async (_req, res) => {
    let pending: string[];
    let cluster: ClusterState | undefined;
    try {
      [pending, cluster] = await db.read(async (handle) => [migrated ? [] : await pendingMigrations(handle), await clusterState(handle)] as const);
    } catch {
      const body: NotReadyAnswer = { status: 'not_ready', reason: 'database unreachable' };
      res.status(503).setHeader('Retry-After', String(db.options.retryAfterS)).json(body);
      return;
    }
    const clusterInfo = cluster ? { cluster: { size: cluster.size, node: db.node, state: cluster.state } } : {};
    if (cluster && !cluster.ready) {
      db.nodeUnavailable();
      const body: NotReadyAnswer = { status: 'not_ready', reason: `database node not ready (${cluster.status}, ${cluster.state})`, ...clusterInfo };
      res.status(503).setHeader('Retry-After', String(db.options.retryAfterS)).json(body);
      return;
    }
    if (pending.length > 0) {
      const body: NotReadyAnswer = { status: 'not_ready', reason: `pending migrations: ${pending.join(', ')}` };
      res.status(503).json(body);
      return;
    }
    migrated = true;
    const body: ReadyAnswer = { status: 'ready', ...clusterInfo };
    res.json(body);
  });
  return router;
}
