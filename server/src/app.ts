import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { CheckInSummary } from './checkin/checkin-summary.ts';
import { checkInRoutes } from './checkin/checkin.routes.ts';
import { HEALTH_CHECK_PATHS, healthRoutes } from './health/health.routes.ts';
import { attemptLimits } from './attempts/attempt-guard.ts';
import type { Config } from './lib/config.ts';
import type { Database } from './lib/database.ts';
import { createMetrics, METRICS_PATH, type Metrics } from './lib/metrics.ts';
import { apiHeaders, assignRequestId, errorHandler, HSTS_HEADER, jsonBody, notFound } from './lib/http.ts';
import type { Logger } from './lib/logger.ts';
import { deviceChangeRoutes } from './device-change/device-change.routes.ts';
import { DeviceKeys } from './devices/device-keys.ts';
import { clientPage } from './lib/client-page.ts';
import { admissionTokenRoutes } from './admission-tokens/admission-tokens.routes.ts';
import { AdmissionTokens } from './admission-tokens/admission-tokens.service.ts';
import { dispatcherOptions, WebhookDispatcher } from './webhooks/webhook-dispatcher.ts';
import { webhookRoutes } from './webhooks/webhooks.routes.ts';
import { openApiRoutes } from './openapi/openapi.routes.ts';
import { integrationRoutes } from './integration/integration.routes.ts';
import { examSessionRoutes } from './exam-sessions/exam-sessions.routes.ts';
import { SESSION_CHANGED, SessionCache } from './exam-sessions/session-cache.ts';
import { AuditTail } from './live/audit-tail.ts';
import { type LiveStreams, liveRoutes } from './live/live.routes.ts';
import { proctorAuthRoutes, proctorGuard } from './proctor-auth/proctor-auth.routes.ts';
import { proctorRoutes } from './proctor/proctor.routes.ts';
import { attendanceRoutes } from './attendance/attendance.routes.ts';
import { incidentRoutes } from './incidents/incidents.routes.ts';
import { receiptKey } from './receipts/receipt-code.ts';
import { storedRoomCodes } from './rooms/room-codes.ts';
import { auditOutOfScope } from './proctor-auth/proctor-scope-guard.ts';
import { roomCodesAskedNow } from './exam-sessions/exam-sessions.service.ts';
import { receiptRoutes } from './receipts/receipts.routes.ts';

// Answered without waiting for an admission slot (lib/admission.ts): health checks and metrics scrapes.
export const PROBE_PATHS: readonly string[] = [...HEALTH_CHECK_PATHS, METRICS_PATH];

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
  // Reports the admission gate's state on /metrics once the server listens.
  watchAdmission: Metrics['watchAdmission'];
  close: () => Promise<void>;
}

export function createApp({ config, db, logger, clientDir }: AppDependencies): App {
  const app = express();
  app.disable('x-powered-by');
  // Hashing every JSON body for an ETag cost milliseconds on the 1 MB participants list, and API answers
  // are never served from a cache.
  app.set('etag', false);
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(assignRequestId(logger));
  const guard = proctorGuard(db, config);
  const tail = new AuditTail(db, logger, { pollMs: config.STREAM_POLL_MS });
  const live = liveRoutes(db, guard, tail, config.STREAM_HEARTBEAT_S);
  const sessions = new SessionCache();
  const forgetSessions = (ids: number[]) => sessions.forget(ids);
  db.events.on(SESSION_CHANGED, forgetSessions);
  const devices = new DeviceKeys(db);
  const limits = attemptLimits(config);
  const metrics = createMetrics(db, () => live.streams.connected());
  const summary = new CheckInSummary(logger, config.CHECKIN_SUMMARY_S);
  const webhooks = new WebhookDispatcher(db, logger, dispatcherOptions(config));
  if (config.WEBHOOK_DELIVERY) webhooks.start();
  const countOutcome = (outcome: string) => {
    metrics.checkIns.inc({ outcome });
    summary.count(outcome);
  };
  const admissionTokens = new AdmissionTokens(db);
  const receipts = receiptKey(db, config.RECEIPT_KEY);
  const roomCodes = storedRoomCodes(db);
  app.use(checkInRoutes({ db, limits, sessions, roomCodes, copyWindowS: config.DEVICE_KEY_COPY_WINDOW_S, admissionTokens, receiptKey: receipts }, devices, countOutcome));
  app.use(admissionTokenRoutes(admissionTokens));
  app.use(healthRoutes(db));
  app.use(integrationRoutes(db));
  app.use('/api', apiHeaders(), jsonBody);
  app.get(METRICS_PATH, async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.use(deviceChangeRoutes({ db, limits, sessions, roomCodes, ttlS: config.DEVICE_CHANGE_REQUEST_TTL_S, copyWindowS: config.DEVICE_KEY_COPY_WINDOW_S }, guard, devices));
  app.use(examSessionRoutes(db, guard));
  app.use(proctorAuthRoutes(db, config, guard));
  app.use(live.router);
  app.use(proctorRoutes(db, guard, roomCodes));
  app.use(receiptRoutes(db, guard, receipts));
  app.use(incidentRoutes(db, guard));
  app.use(attendanceRoutes(db, guard));
  app.use(webhookRoutes(db, guard));
  app.use(openApiRoutes());
  // Unknown API paths get the JSON 404 before the web client's fallback can answer them with HTML.
  app.use('/api', notFound());
  if (clientDir) {
    // Exam halls often serve plain HTTP on a LAN, where upgrade-insecure-requests would break every asset
    // and HSTS would be ignored at best.
    const pageHelmet = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } }, strictTransportSecurity: false });
    app.use(pageHelmet, (req, res, next) => {
      if (req.secure) res.setHeader('Strict-Transport-Security', HSTS_HEADER);
      next();
    });
    app.use('/assets', express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
    app.use(express.static(clientDir, { index: false }));
    app.use(clientPage(clientDir, { issueChallenge: () => devices.issueChallenge(), roomCodesAsked: roomCodesAskedNow(db) }));
  }
  app.use(notFound());
  app.use(auditOutOfScope(db));
  app.use(errorHandler(logger, config.RETRY_AFTER_S));
  return {
    app,
    streams: live.streams,
    watchAdmission: metrics.watchAdmission,
    close: async () => {
      db.events.off(SESSION_CHANGED, forgetSessions);
      metrics.close();
      summary.close();
      live.streams.closeAll();
      await Promise.all([tail.close(), webhooks.stop()]);
    },
  };
}
