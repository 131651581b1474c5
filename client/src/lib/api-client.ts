import type { z } from 'zod';
import { type ErrorCode, ErrorEnvelope } from '../../../contracts/errors.ts';
import { CSRF_HEADER } from '../../../contracts/proctor.ts';

export type ClientErrorCode = ErrorCode | 'network';

export interface ErrorDetails {
  opensAt?: string;
  timeZone?: string;
}

// `message` is the server's English text, for logs and API users; the page shows its own text for `code`.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// The proctor's CSRF token: handed out at login and by GET /api/proctor/session, sent on every write.
let csrfToken: string | undefined;
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH';
  body?: unknown;
  headers?: Record<string, string>;
}

export async function apiRequest<S extends z.ZodType>(path: string, schema: S, options: RequestOptions = {}): Promise<z.output<S>> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' && csrfToken ? { [CSRF_HEADER]: csrfToken } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const envelope = ErrorEnvelope.safeParse(payload);
    const retryAfter = Number(response.headers.get('retry-after'));
    if (envelope.success) {
      const { code, message, opensAt, timeZone } = envelope.data.error;
      throw new ApiError(response.status, code, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined, { opensAt, timeZone });
    }
    throw new ApiError(response.status, response.status >= 500 ? 'unavailable' : 'internal', `The server answered ${response.status}. Please try again.`);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ApiError(response.status, 'internal', 'The server sent an answer this page does not understand. Reload the page.');
  return parsed.data;
}

export function postJson<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>> {
  return apiRequest(path, schema, { method: 'POST', body });
}
