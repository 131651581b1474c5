import type { ErrorCode } from '../../../contracts/errors.ts';

export interface ErrorIssue {
  path: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly status: number;
  readonly headers: Record<string, string> = {};
  // Fields the error envelope carries besides code and message (see contracts/errors.ts).
  readonly details: Record<string, string> = {};
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

export class DeviceInUseElsewhereError extends AppError {
  readonly code = 'device_in_use_elsewhere';
  readonly status = 409;
  constructor() {
    super('This check-in was used from another network a few seconds ago. If you just switched networks, ask a proctor to move your check-in to this device.');
  }
}

// The request was signed, but not by a key this browser holds for this very request: a copied public key,
// a replayed request, a forged challenge.
export class DeviceProofInvalidError extends AppError {
  readonly code = 'device_proof_invalid';
  readonly status = 403;
  constructor() {
    super('This browser could not prove it is the device it claims to be. Reload the page and try again; if it happens again, ask a proctor.');
  }
}

export class DeviceProofStaleError extends AppError {
  readonly code = 'device_proof_stale';
  readonly status = 400;
  constructor() {
    super('The page signed this request with a challenge that has expired. Fetch a new one from GET /api/device-challenge and sign again.');
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

export class NotOpenYetError extends AppError {
  readonly code = 'not_open_yet';
  readonly status = 403;
  constructor(opensAt: Date, timeZone: string) {
    super(`Check-in for this exam opens at ${opensAt.toISOString()}. Please come back then.`);
    this.details.opensAt = opensAt.toISOString();
    this.details.timeZone = timeZone;
  }
}

export class CheckInClosedError extends AppError {
  readonly code = 'check_in_closed';
  readonly status = 403;
  constructor() {
    super('Check-in for this exam has closed. Ask a proctor if you still need to get in.');
  }
}

export class OutsideAllowedNetworksError extends AppError {
  readonly code = 'outside_allowed_networks';
  readonly status = 403;
  constructor() {
    super("This exam only accepts check-ins from the exam network. Connect to the exam room's network and try again.");
  }
}

export class RoomFullError extends AppError {
  readonly code = 'room_full';
  readonly status = 409;
  constructor() {
    super('Your exam room has no free seat left. Please ask a proctor: they can give you a seat or another room.');
  }
}

export class DeviceSharedError extends AppError {
  readonly code = 'device_shared';
  readonly status = 409;
  constructor() {
    super('This device has already been used to check in another participant of this exam. Each participant checks in on their own device; please ask a proctor.');
  }
}

export class SeatTakenError extends AppError {
  readonly code = 'seat_taken';
  readonly status = 409;
  constructor(room: string, seat: string) {
    super(`Seat ${seat} in ${room} is held by another participant. Free it first, or choose another seat.`);
  }
}

export class StaleUpdateError extends AppError {
  readonly code = 'stale_update';
  readonly status = 409;
  constructor(what: string) {
    super(`${what} changed since you loaded it. Nothing was changed; reload and try again.`);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'not_found';
  readonly status = 404;
}

// A participant outside a room proctor's rooms: answered word for word as one that does not exist, and
// audited (with the code tried) by whoever catches it on the way out (proctor-scope-guard.ts).
export class OutOfScopeError extends NotFoundError {
  constructor(
    readonly participantCode: string,
    message = `No participant has the code ${participantCode}.`,
  ) {
    super(message);
  }
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

export class UnauthenticatedError extends AppError {
  readonly code = 'unauthenticated';
  readonly status = 401;
  constructor() {
    super('Log in as a proctor first.');
  }
}

// A machine client without a valid API token (missing, unknown or revoked: the answer does not say which).
export class ApiTokenRequiredError extends AppError {
  readonly code = 'unauthenticated';
  readonly status = 401;
  constructor() {
    super('Send a valid API token: Authorization: Bearer egt_…');
    this.headers['WWW-Authenticate'] = 'Bearer realm="examgate"';
  }
}

// A valid API token used outside what it was made for: another exam session, or a scope it lacks.
export class ForbiddenError extends AppError {
  readonly code = 'forbidden';
  readonly status = 403;
}

export class InvalidCredentialsError extends AppError {
  readonly code = 'invalid_credentials';
  readonly status = 401;
  constructor() {
    super('Wrong username or password.');
  }
}

export class CsrfError extends AppError {
  readonly code = 'csrf';
  readonly status = 403;
  constructor() {
    super('This request is missing its X-CSRF-Token. Reload the page and try again.');
  }
}

export class RateLimitedError extends AppError {
  readonly code = 'rate_limited';
  readonly status = 429;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

export class LockChangedError extends AppError {
  readonly code = 'lock_changed';
  readonly status = 409;
  constructor(readonly codes: string[]) {
    super(
      codes.length === 1
        ? `The device lock of ${codes[0]} changed since you looked at it. Nothing was changed; check the current holder and try again.`
        : `The device locks of ${codes.join(', ')} changed since you looked at them. Nothing was changed.`,
    );
  }
}

export class NoConflictError extends AppError {
  readonly code = 'no_conflict';
  readonly status = 409;
  constructor() {
    super('Your code is not in use on another device. Check in again.');
  }
}

export class RequestPendingError extends AppError {
  readonly code = 'request_pending';
  readonly status = 409;
  constructor() {
    super('Another device has already asked to move this check-in. A proctor answers that request first; tell a proctor if it was not you.');
  }
}

export class RequestClosedError extends AppError {
  readonly code = 'request_closed';
  readonly status = 409;
  constructor(status: string) {
    super(`This device-change request is no longer pending (it is ${status}).`);
  }
}
