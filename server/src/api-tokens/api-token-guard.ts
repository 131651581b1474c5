import type { Request, RequestHandler } from 'express';
import type { ApiTokenScope } from '../../../contracts/api-tokens.ts';
import { SessionIdParam } from '../../../contracts/api-params.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { Database } from '../lib/database.ts';
import { ApiTokenRequiredError, ForbiddenError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { parseBody } from '../lib/http.ts';
import { finishUse, insertUse } from './api-tokens.repo.ts';
import { findToken } from './api-tokens.service.ts';

export interface ApiTokenIdentity {
  id: number;
  name: string;
  sessionId: number;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      // Set by an API token guard.
      apiToken?: ApiTokenIdentity;
    }
  }
}

const BEARER = /^Bearer +(\S+)$/i;

// Routes for machine clients name the scope they need. Every request with a token examgate issued is
// recorded before anything else happens (refused ones too: a revoked token's use, a scope it lacks), so
// a use that cannot be recorded is not served.
export function apiTokenGuard(db: Database): (scope: ApiTokenScope) => RequestHandler {
  return (scope) => async (req, res, next) => {
    const presented = BEARER.exec(req.get('authorization') ?? '')?.[1];
    const token = presented === undefined ? undefined : await findToken(db, presented);
    if (!token) throw new ApiTokenRequiredError();
    const useId = await db.read((handle) => insertUse(handle, { tokenId: token.id, method: req.method, path: req.originalUrl.split('?')[0]!, sourceIp: clientIp(req), requestId: req.id }));
    res.once('close', () => void db.read((handle) => finishUse(handle, useId, res.statusCode)).catch(() => undefined));
    if (token.revoked) throw new ApiTokenRequiredError();
    const { sessionId } = parseBody(SessionIdParam, req.params);
    if (sessionId !== token.sessionId) throw new ForbiddenError('This API token belongs to another exam session.');
    if (!token.scopes.includes(scope)) throw new ForbiddenError(`This API token lacks the scope ${scope}.`);
    req.apiToken = { id: token.id, name: token.name, sessionId: token.sessionId };
    next();
  };
}

function guarded(req: Request): ApiTokenIdentity {
  if (!req.apiToken) throw new Error(`${req.method} ${req.path} has no API token guard`);
  return req.apiToken;
}

// The exam session of the path, which the guard has checked is the token's.
export const apiTokenSession = (req: Request): number => guarded(req).sessionId;

export function apiTokenActor(req: Request): Actor {
  return { name: `token:${guarded(req).name}`.slice(0, 100), ip: clientIp(req), requestId: req.id };
}
