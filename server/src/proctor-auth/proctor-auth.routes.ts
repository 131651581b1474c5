import { type Request, type RequestHandler, Router } from 'express';
import { CSRF_HEADER, LoginRequest, type LogoutResponse, PROCTOR_SESSION_COOKIE, type ProctorSession } from '../../../contracts/proctor.ts';
import { clientIp } from '../lib/client-ip.ts';
import type { Config } from '../lib/config.ts';
import type { Database } from '../lib/database.ts';
import { type ProctorGuard, parseBody, readCookie, requireJsonBody } from '../lib/http.ts';
import { aliveSessions } from './proctor-auth.repo.ts';
import type { ProctorScope } from '../lib/proctor-scope.ts';
import { chiefOnly, type NamedBy, requireParticipantsInScope } from './proctor-scope-guard.ts';
import { authenticate, checkCsrf, checkOrigin, logIn, logOut } from './proctor-auth.service.ts';


function sessionToken(req: Request): string | undefined {
  return readCookie(req, PROCTOR_SESSION_COOKIE);
}

const proctorView = (username: string, scope: ProctorScope): ProctorSession['proctor'] => ({
  username,
  role: scope.role,
  rooms: scope.rooms.map((room) => ({ sessionId: room.sessionId, room: room.name })),
});

export function proctorGuard(db: Database, config: Config): ProctorGuard {
  const authenticated = async (req: Request) => {
    req.proctor = await authenticate(db, config, sessionToken(req));
  };
  // A cross-site form or image cannot send a header: the CSRF token proves the page is ours. A browser
  // that names the page's origin must name ours.
  const forWrite = async (req: Request) => {
    await authenticated(req);
    checkCsrf(req.proctor!, req.get(CSRF_HEADER));
    checkOrigin(req.get('origin'), `${req.protocol}://${req.get('host') ?? ''}`);
  };
  const scopedTo = (by: NamedBy): RequestHandler => async (req, _res, next) => {
    await forWrite(req);
    await requireParticipantsInScope(db, req, by);
    next();
  };
  return {
    read: async (req, _res, next) => {
      await authenticated(req);
      next();
    },
    write: async (req, _res, next) => {
      await forWrite(req);
      next();
    },
    chiefRead: async (req, _res, next) => {
      await authenticated(req);
      chiefOnly(req);
      next();
    },
    chiefWrite: async (req, _res, next) => {
      await forWrite(req);
      chiefOnly(req);
      next();
    },
    participant: scopedTo('param'),
    participants: scopedTo('body'),
    request: scopedTo('request'),
    alive: (tokenHashes) => db.read((handle) => aliveSessions(handle, tokenHashes, config.PROCTOR_IDLE_TIMEOUT_MIN)),
  };
}

export function proctorAuthRoutes(db: Database, config: Config, guard: ProctorGuard): Router {
  const router = Router();

  router.post('/api/proctor/login', requireJsonBody(), async (req, res) => {
    const { username, password } = parseBody(LoginRequest, req.body);
    const session = await logIn(db, config, { username, password, ip: clientIp(req) });
    res.cookie(PROCTOR_SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: config.PROCTOR_SESSION_MAX_HOURS * 3600 * 1000,
    });
    const body: ProctorSession = { proctor: proctorView(session.username, session.scope), csrfToken: session.csrfToken };
    res.json(body);
  });

  router.get('/api/proctor/session', guard.read, (req, res) => {
    const body: ProctorSession = { proctor: proctorView(req.proctor!.username, req.proctor!.scope), csrfToken: req.proctor!.csrfToken };
    res.json(body);
  });

  router.post('/api/proctor/logout', guard.write, async (req, res) => {
    await logOut(db, req.proctor!.tokenHash);
    res.clearCookie(PROCTOR_SESSION_COOKIE, { path: '/' });
    const body: LogoutResponse = { ok: true };
    res.json(body);
  });

  return router;
}
