import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { checkInRoutes } from './checkin/checkin.routes.ts';
import { healthRoutes } from './health/health.routes.ts';
import { failureLimits } from './checkin/checkin.service.ts';
import type { Config } from './lib/config.ts';
import type { Database } from './lib/database.ts';
import { createMetrics } from './lib/metrics.ts';
import { assignRequestId, errorHandler, JSON_BODY_LIMIT, notFound } from './lib/http.ts';
import type { Logger } from './lib/logger.ts';
import { deviceChangeRoutes } from './device-change/device-change.routes.ts';
import { AuditTail } from './live/audit-tail.ts';
import { type LiveStreams, liveRoutes } from './live/live.routes.ts';
import { proctorAuthRoutes } from './proctor-auth/proctor-auth.routes.ts';
import { proctorRoutes } from './proctor/proctor.routes.ts';

export interface AppDependencies {
  config: Config;
  db: Database;
  logger: Logger;
  // The built React app; omitted when Vite's dev server serves it.
  clientDir?: string;
}

export interface App {
  app: Express;
  streams: LiveStreams;
  close(): Promise<void>;
}

export function createApp({ config, db, logger, clientDir }: AppDependencies): App {
  const app = express();
  app.disable('x-powered-by');
  // Hashing every JSON body for an ETag cost milliseconds on the 1 MB participants list, and API answers
  // are never served from a cache.
  app.set('etag', false);
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(assignRequestId(logger));
  app.use(healthRoutes(db));
  // Exam halls often serve plain HTTP on a LAN, where upgrade-insecure-requests would break every asset.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use('/api', express.json({ limit: JSON_BODY_LIMIT, strict: true }));
  const tail = new AuditTail(db, logger, { pollMs: config.STREAM_POLL_MS, gapTimeoutMs: 10_000, batchSize: 1000 });
  const live = liveRoutes(db, tail, config.STREAM_HEARTBEAT_S);
  const metrics = createMetrics(db, live.streams.connected);
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.use(checkInRoutes(db, failureLimits(config), metrics));
  app.use(deviceChangeRoutes(db, config.DEVICE_CHANGE_REQUEST_TTL_S));
  app.use(proctorAuthRoutes(db, config));
  app.use(live.router);
  app.use(proctorRoutes(db));
  // Unknown API paths get the JSON 404 before the web client's fallback can answer them with HTML.
  app.use('/api', notFound());
  if (clientDir) {
    app.use('/assets', express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
    app.use(express.static(clientDir, { index: false }));
    app.use((req, res, next) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(clientDir, 'index.html'));
    });
  }
  app.use(notFound());
  app.use(errorHandler(logger, config.RETRY_AFTER_S));
  return {
    app,
    streams: live.streams,
    close: async () => {
      metrics.close();
      live.streams.closeAll();
      await tail.close();
    },
  };
}
