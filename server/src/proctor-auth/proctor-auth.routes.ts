import { type Request, type RequestHandler, Router } from 'express';
import { LoginRequest, type ProctorSession } from '../../../contracts/proctor.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { Config } from '../lib/config.ts';
import type { Database } from '../lib/database.ts';
import { parseBody, requireJsonBody } from '../lib/http.ts';
import type { ActiveSession } from './proctor-auth.repo.ts';
import { authenticate, checkCsrf, logIn, logOut } from './proctor-auth.service.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      proctor?: ActiveSession;
    }
  }
}

export const SESSION_COOKIE = 'examgate_proctor';

function sessionToken(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Every /api/proctor route but login needs a session; every state-changing one also needs the session's
// CSRF token in a header, which a cross-site form or image cannot send.
export function requireProctor(db: Database, config: Config): RequestHandler {
  return async (req, _res, next) => {
    const session = await authenticate(db, config, sessionToken(req));
    if (!SAFE_METHODS.has(req.method)) checkCsrf(session, req.get('x-csrf-token'));
    req.proctor = session;
    next();
  };
}

export function proctorAuthRoutes(db: Database, config: Config): Router {
  const router = Router();

  router.post('/api/proctor/login', requireJsonBody(), async (req, res) => {
    const { username, password } = parseBody(LoginRequest, req.body);
    const session = await logIn(db, config, { username, password, ip: clientIp(req) });
    res.cookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: config.PROCTOR_SESSION_MAX_HOURS * 3600 * 1000,
    });
    const body: ProctorSession = { proctor: { username: session.username }, csrfToken: session.csrfToken };
    res.json(body);
  });

  router.use('/api/proctor', requireProctor(db, config));

  router.get('/api/proctor/session', (req, res) => {
    const body: ProctorSession = { proctor: { username: req.proctor!.username }, csrfToken: req.proctor!.csrfToken };
    res.json(body);
  });

  router.post('/api/proctor/logout', async (req, res) => {
    await logOut(db, sessionToken(req)!);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.json({ ok: true });
  });

  return router;
}
