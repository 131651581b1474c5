import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { ErrorEnvelope } from '../../../contracts/errors.ts';
import { classifyDatabaseError } from './database.ts';
import {
  AppError,
  InvalidInputError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from './errors.ts';
import type { Logger } from './logger.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
      // performance.now() when the request reached the app.
      startedAt: number;
    }
  }
}

export const JSON_BODY_LIMIT = '16kb';

// Every request gets an id (sent back as X-Request-Id, stored in its audit rows) and a logger that stamps
// it on each line. The access line names the route pattern, never the path: proctor URLs carry
// participant codes, which stay out of info-level logs.
export function assignRequestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    req.id = randomUUID();
    req.log = logger.child({ reqId: req.id });
    req.startedAt = performance.now();
    res.setHeader('X-Request-Id', req.id);
    const started = req.startedAt;
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : '(no route)';
      req.log.info({ method: req.method, route, status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
    });
    next();
  };
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
        (req.log ?? logger).warn({ reason: known.reason, cause: String((known.cause as Error | undefined)?.message ?? '') }, 'unavailable');
      }
      const issues = known instanceof InvalidInputError && known.issues.length > 0 ? { issues: known.issues } : {};
      sendError(res, known.status, { error: { code: known.code, message: known.message, ...issues } }, known.headers);
      return;
    }
    (req.log ?? logger).error({ err: error }, 'unhandled error');
    sendError(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side. Please try again.' } });
  };
}
