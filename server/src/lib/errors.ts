import type { ErrorCode } from '../../../contracts/errors.ts';

export interface ErrorIssue {
  path: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly status: number;
  readonly headers: Record<string, string> = {};
}

export class InvalidInputError extends AppError {
  readonly code = 'invalid_input';
  readonly status = 400;
  constructor(
    message: string,
    readonly issues: ErrorIssue[] = [],
  ) {
    super(message);
  }
}

export class NotRecognisedError extends AppError {
  readonly code = 'not_recognised';
  readonly status = 403;
  constructor() {
    super('We could not find a participant with this code and name. Check both and try again.');
  }
}

export class CodeExpiredError extends AppError {
  readonly code = 'code_expired';
  readonly status = 403;
  constructor() {
    super('This participant code has expired and can no longer be used to check in.');
  }
}

export class DeviceLockedError extends AppError {
  readonly code = 'locked_to_another_device';
  readonly status = 409;
  constructor() {
    super('This code is already in use on another device. Ask a proctor to move your check-in to this device.');
  }
}

export class NotFoundError extends AppError {
  readonly code = 'not_found';
  readonly status = 404;
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
  readonly status = 413;
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
}

export class UnavailableError extends AppError {
  readonly code = 'unavailable';
  readonly status = 503;
  constructor(
    readonly reason: string,
    retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super('The service is briefly unavailable. Please try again in a moment.', options);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}
