import type { z } from 'zod';
import { type ErrorCode, ErrorEnvelope } from '../../../contracts/errors.ts';

export type ClientErrorCode = ErrorCode | 'network';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function postJson<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.');
  }
  const payload: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const envelope = ErrorEnvelope.safeParse(payload);
    const retryAfter = Number(response.headers.get('retry-after'));
    if (envelope.success) {
      throw new ApiError(response.status, envelope.data.error.code, envelope.data.error.message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    throw new ApiError(response.status, response.status >= 500 ? 'unavailable' : 'internal', `The server answered ${response.status}. Please try again.`);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new ApiError(response.status, 'internal', 'The server sent an answer this page does not understand. Reload the page.');
  return parsed.data;
}
