import type { ProctorScope } from './proctor-scope.ts';
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { ErrorEnvelope } from '../../../contracts/errors.ts';
import { clientIp } from './client-ip.ts';
import { classifyDatabaseError } from './database.ts';
import {
  AppError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from './errors.ts';
import { type Logger, withoutValues } from './logger.ts';

declare global {
  // Express's request type is extended by declaration merging, which needs its namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      // performance.now() when the request reached the app.
      startedAt: number;
      // Set by a ProctorGuard.
      proctor?: ProctorIdentity;
    }
  }
}

export interface ProctorIdentity {
  proctorId: number;
  username: string;
  csrfToken: string;
  tokenHash: string;
  // What this proctor may see and act on (lib/proctor-scope.ts).
  scope: ProctorScope;
}

// Every route under /api/proctor names its own guard, so none is protected merely by where it is
// mounted: `read` needs a proctor's session, `write` also the session's CSRF token. What a room proctor
// may reach is decided here too: `chiefRead` / `chiefWrite` are for chief proctors only (403); `participant`
// (the route's :code), `participants` (the body's codes) and `request` (a device-change request's
// participant) let a room proctor act on their rooms' participants only, and answer any other as if it did
// not exist (404, audited). On `read` and `write` routes the lists are the handler's to narrow, with
// req.proctor.scope.
export interface ProctorGuard {
  read: RequestHandler;
  write: RequestHandler;
  chiefRead: RequestHandler;
  chiefWrite: RequestHandler;
  participant: RequestHandler;
  participants: RequestHandler;
  request: RequestHandler;
  // Of these sessions (by token hash), the ones that are still valid: for answers that stay open.
  alive(tokenHashes: string[]): Promise<Set<string>>;
}

// Who did something, as the audit log records it.
export interface Actor {
  name: string;
  ip: string | null;
  requestId: string;
  // What a proctor may act on (absent: the CLI, an operator, who acts on everything).
  scope?: ProctorScope;
}

export function proctorActor(req: Request): Actor {
  if (!req.proctor) throw new Error(`${req.method} ${req.path} has no proctor guard`);
  return { name: req.proctor.username, ip: clientIp(req), requestId: req.id, scope: req.proctor.scope };
}

export const JSON_BODY_LIMIT = '16kb';

// A cookie's value, or undefined when it is absent or not valid %-encoding (a malformed cookie is no cookie).
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(separator + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// The pattern of the route that answered ('/api/proctor/participants/:code/reset-lock'), never the path.
export function routePattern(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return route ? `${req.baseUrl}${String(route.path)}` : '(no route)';
}

// Every request gets an id, sent back as X-Request-Id and stored in its audit rows. A line per request is
// logged at debug level only: at exam start that is thousands of lines a second, and writing them cost a
// tenth of the server's CPU per check-in. The line names the route pattern, never the path: proctor URLs
// carry participant codes.
export function assignRequestId(logger: Logger): RequestHandler {
  const accessLog = logger.isLevelEnabled('debug');
  return (req, res, next) => {
    req.id = randomUUID();
    req.startedAt = performance.now();
    res.setHeader('X-Request-Id', req.id);
    if (accessLog) {
      res.on('finish', () => {
        const ms = Math.round((performance.now() - req.startedAt) * 10) / 10;
        logger.debug({ reqId: req.id, method: req.method, route: routePattern(req), status: res.statusCode, ms }, 'request');
      });
    }
    next();
  };
}

// API answers carry personal data or tokens and are never framed, sniffed or cached; the pages get
// helmet's full set. One constant set here instead of helmet's eleven middlewares on every API request.
const API_HEADERS: [string, string][] = [
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
];
export const HSTS_HEADER = 'max-age=31536000; includeSubDomains';

export function apiHeaders(): RequestHandler {
  return (req, res, next) => {
    for (const [name, value] of API_HEADERS) res.setHeader(name, value);
    // Over plain HTTP (an exam hall's LAN) an HSTS header would be ignored at best.
    if (req.secure) res.setHeader('Strict-Transport-Security', HSTS_HEADER);
    next();
  };
}

// The body parser of every API route: strict JSON, at most JSON_BODY_LIMIT.
export const jsonBody = express.json({ limit: JSON_BODY_LIMIT, strict: true });

// A JSON answer written straight to the response: Express's res.json looks up the content type, checks
// freshness and sets headers one by one, which the hot path does not need.
export function sendJson(res: Response, body: unknown, status = 200): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

// For large answers: serialised here so that Server-Timing can say how long the server took to produce
// the body (queries, mapping, JSON), apart from the time the network takes to carry it.
export function sendJsonTimed(req: Request, res: Response, body: unknown): void {
  const json = JSON.stringify(body);
  res.setHeader('Server-Timing', `app;dur=${(performance.now() - req.startedAt).toFixed(1)}`);
  res.type('application/json').send(json);
}

export function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    if (req.is('application/json')) return next();
    if (!req.headers['content-type'] && Number(req.headers['content-length'] ?? 0) === 0) {
      return next(new InvalidInputError('Send a JSON body.'));
    }
    next(new UnsupportedMediaTypeError('Send the body as application/json.'));
  };
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.code === 'invalid_type' && issue.path.length > 0 ? `${issue.path.join('.')} is missing or not of the right type` : issue.message,
  }));
  throw new InvalidInputError(issues.map((issue) => issue.message).join('; '), issues);
}

function sendError(res: Response, status: number, body: ErrorEnvelope, headers: Record<string, string> = {}): void {
  res.locals.errorCode = body.error.code;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json(body);
}

interface BodyParserError {
  type?: string;
  status?: number;
}

// Errors from Express's own machinery (a malformed %-escape in a path parameter, say) carry an HTTP status.
function fromHttpStatus(status: number | undefined): AppError | undefined {
  if (status === undefined || status < 400 || status >= 500) return undefined;
  if (status === 404) return new NotFoundError('Not found.');
  if (status === 413) return new PayloadTooLargeError(`The body must be at most ${JSON_BODY_LIMIT}.`);
  if (status === 415) return new UnsupportedMediaTypeError('Send the body as application/json.');
  return new InvalidInputError('The request is malformed.');
}

export function notFound(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError(`Nothing at ${req.method} ${req.originalUrl.split('?')[0]}`));
}

// The one place that turns errors into HTTP answers: known conditions get their status and code, anything
// else a logged 500 without details.
export function errorHandler(logger: Logger, retryAfterS: number): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let known: AppError | undefined;
    if (error instanceof AppError) known = error;
    else {
      const parserType = (error as BodyParserError | null)?.type;
      if (parserType === 'entity.too.large') known = new PayloadTooLargeError(`The body must be at most ${JSON_BODY_LIMIT}.`);
      else if (parserType === 'entity.parse.failed') known = new InvalidInputError('The body is not valid JSON.');
      else if (parserType === 'encoding.unsupported' || parserType === 'charset.unsupported') {
        known = new UnsupportedMediaTypeError('Send the body as UTF-8 JSON.');
      } else if (parserType !== undefined && (error as BodyParserError).status === 400) {
        known = new InvalidInputError('The request body could not be read.');
      } else if (fromHttpStatus((error as BodyParserError | null)?.status)) {
        known = fromHttpStatus((error as BodyParserError).status);
      } else if (classifyDatabaseError(error) !== 'other') {
        known = new UnavailableError('database', retryAfterS, { cause: error });
      }
    }
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    if (known) {
      if (known instanceof UnavailableError) {
        logger.warn({ reqId: req.id, reason: known.reason, cause: withoutValues(String((known.cause as Error | undefined)?.message ?? '')) }, 'unavailable');
      }
      const issues = known instanceof InvalidInputError && known.issues.length > 0 ? { issues: known.issues } : {};
      sendError(res, known.status, { error: { ...known.details, code: known.code, message: known.message, ...issues } }, known.headers);
      return;
    }
    logger.error({ reqId: req.id, err: error }, 'unhandled error');
    sendError(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side. Please try again.' } });
  };
}
