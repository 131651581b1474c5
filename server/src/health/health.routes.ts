import { Router } from 'express';
import type { Database } from '../lib/database.ts';
import { pendingMigrations } from '../lib/migrate.ts';

// /healthz: the process answers. /readyz: it can do its job (database reachable and fully migrated), so a
// load balancer sends traffic only to instances that can check people in.
export function healthRoutes(db: Database): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await db.read((handle) => handle.rows('SELECT 1'));
      const pending = await pendingMigrations(db.options.url);
      if (pending.length > 0) {
        res.status(503).json({ status: 'not_ready', reason: `pending migrations: ${pending.join(', ')}` });
        return;
      }
      res.json({ status: 'ready' });
    } catch {
      res.status(503).setHeader('Retry-After', String(db.options.retryAfterS)).json({ status: 'not_ready', reason: 'database unreachable' });
    }
  });
  return router;
}
