import { type Request, Router } from 'express';
import { CodeParam } from '../../../contracts/api-params.ts';
import { deviceFingerprint } from '../../../contracts/lock-policy.ts';
import {
  AddressUnthrottleRequest,
  BulkResetLockRequest,
  BulkStatusChangeRequest,
  countParticipants,
  EventsQuery,
  type EventsPage,
  ParticipantsQuery,
  type ParticipantsResponse,
  ResetLockRequest,
  StatusChangeRequest,
  type SummaryResponse,
  TransferLockRequest,
} from '../../../contracts/proctor.ts';
import { auditEventsBefore, auditRowsAfter } from '../audit/audit-events.repo.ts';
import type { Database } from '../lib/database.ts';
import { normaliseIp } from '../lib/client-ip.ts';
import { csvCell } from '../lib/csv.ts';
import { InvalidInputError, NotFoundError } from '../lib/errors.ts';
import { parseBody, type ProctorGuard, proctorActor, requireJsonBody, sendJsonTimed } from '../lib/http.ts';
import { listSessions } from '../exam-sessions/exam-sessions.repo.ts';
import { participantsNeedingAttention, participantsOfSession } from '../participants/participant-view.repo.ts';
import { sessionsOverview } from '../exam-sessions/exam-sessions.service.ts';
import { letTryAgain } from '../attempts/attempts.service.ts';
import { moveSeat, participantViews, resetLocks, setExpired, transferLock } from './proctor.service.ts';
import { type RoomsResponse, RoomsQuery, SeatChangeRequest } from '../../../contracts/rooms.ts';
import { roomsOfSession, seatsOfSession } from '../rooms/rooms.repo.ts';
import type { RoomCodes } from '../rooms/room-codes.ts';
import { roomCodesOfSession } from '../exam-sessions/session-rooms.service.ts';

const CSV_PAGE = 2000;

function codeParam(req: Request): string {
  return parseBody(CodeParam, req.params).code;
}

export function proctorRoutes(db: Database, guard: ProctorGuard, roomCodes: RoomCodes): Router {
  const router = Router();

  // A room proctor sees the sessions of their rooms, and in them their rooms' participants only.
  const loadParticipants = async (req: Request): Promise<ParticipantsResponse> => {
    const { session: requested } = parseBody(ParticipantsQuery, req.query);
    const { scope } = req.proctor!;
    return db.read(async (handle) => {
      const sessions = (await listSessions(handle)).filter((session) => scope.coversSession(session.id));
      if (requested === 'all') return { session: null, sessions, participants: await participantsNeedingAttention(handle, scope) };
      const id = requested ?? (await sessionsOverview(handle, scope)).current;
      const session = sessions.find((candidate) => candidate.id === id);
      if (requested !== undefined && !session) throw new NotFoundError(`No exam session ${requested}.`);
      return { session: session ?? null, sessions, participants: session ? await participantsOfSession(handle, session.id, scope) : [] };
    });
  };

  router.get('/api/proctor/participants', guard.read, async (req, res) => {
    sendJsonTimed(req, res, await loadParticipants(req));
  });

  router.get('/api/proctor/summary', guard.read, async (req, res) => {
    const { session, participants } = await loadParticipants(req);
    const body: SummaryResponse = { session, ...countParticipants(participants) };
    res.json(body);
  });

  router.get('/api/proctor/events', guard.read, async (req, res) => {
    const { before, limit } = parseBody(EventsQuery, req.query);
    const events = await db.read((handle) => auditEventsBefore(handle, before ?? Number.MAX_SAFE_INTEGER, limit, req.proctor!.scope));
    const body: EventsPage = { events, nextBefore: events.length === limit ? events.at(-1)!.id : null };
    res.json(body);
  });

  router.get('/api/proctor/events.csv', guard.read, async (req, res) => {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="examgate-audit.csv"');
    res.write('id,at,type,code,ip,device,user_agent,actor,reason,status_after,locked_ip_before,locked_ip_after,locked_device_before,locked_device_after,lock_policy\n');
    // Paged by id rather than one huge result, so memory stays flat and the client sees rows at once.
    let after = 0;
    await db.read(async (handle) => {
      for (;;) {
        const rows = await auditRowsAfter(handle, after, CSV_PAGE, undefined, req.proctor!.scope);
        if (rows.length === 0) break;
        const lines = rows.map((row) =>
          // Devices as the dashboard shows them: fingerprints, never the stored key hashes.
          [
            row.id, row.created_at, row.event_type, row.code, row.source_ip, deviceFingerprint(row.device), row.user_agent, row.actor, row.reason, row.status_after,
            row.locked_ip_before, row.locked_ip_after, deviceFingerprint(row.locked_device_before), deviceFingerprint(row.locked_device_after), row.lock_policy,
          ]
            .map(csvCell)
            .join(','),
        );
        if (!res.write(`${lines.join('\n')}\n`)) await new Promise((resolve) => res.once('drain', resolve));
        after = Number(rows.at(-1)!.id);
      }
    });
    res.end();
  });

  router.post('/api/proctor/participants/:code/reset-lock', guard.participant, requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason, expectedIp, expectedDevice } = parseBody(ResetLockRequest, req.body);
    const [participant] = await resetLocks(db, [{ code, expectedIp, expectedDevice }], reason, proctorActor(req));
    res.json({ participant });
  });

  router.post('/api/proctor/participants/:code/transfer-lock', guard.participant, requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason, expectedIp, expectedDevice, toIp, toAttempt } = parseBody(TransferLockRequest, req.body);
    const target = toAttempt !== undefined ? { toAttempt } : { toIp: toIp! };
    res.json({ participant: await transferLock(db, code, target, { expectedIp, expectedDevice }, reason, proctorActor(req)) });
  });

  router.post('/api/proctor/participants/:code/expire', guard.participant, requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason } = parseBody(StatusChangeRequest, req.body);
    const [participant] = await setExpired(db, [code], true, reason, proctorActor(req));
    res.json({ participant });
  });

  router.post('/api/proctor/participants/:code/reopen', guard.participant, requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason } = parseBody(StatusChangeRequest, req.body);
    const [participant] = await setExpired(db, [code], false, reason, proctorActor(req));
    res.json({ participant });
  });

  router.post('/api/proctor/participants/:code/let-try-again', guard.participant, requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason } = parseBody(StatusChangeRequest, req.body);
    await letTryAgain(db, { code }, reason, proctorActor(req));
    res.json({ participant: (await participantViews(db, [code]))[0] });
  });

  router.post('/api/proctor/participants/:code/seat', guard.participant, requireJsonBody(), async (req, res) => {
    const code = codeParam(req);
    const { reason, room, seat, expectedRoom, expectedSeat } = parseBody(SeatChangeRequest, req.body);
    res.json({ participant: await moveSeat(db, code, { room, seat, expected: { room: expectedRoom, seat: expectedSeat } }, reason, proctorActor(req)) });
  });

  router.get('/api/proctor/rooms', guard.read, async (req, res) => {
    const { session } = parseBody(RoomsQuery, req.query);
    const { scope } = req.proctor!;
    const body: RoomsResponse = await db.read(async (handle) => {
      const [rooms, seatsOf] = [(await roomsOfSession(handle, session)).filter((room) => scope.coversRoom(room.id)), await seatsOfSession(handle, session)];
      return { rooms: rooms.map(({ id, name, capacity, seats, seatsHeld }) => ({ id, name, capacity, seats, seatsHeld, freeSeats: seatsOf.get(id)?.free ?? [], plan: seatsOf.get(id)?.plan ?? [] })) };
    });
    res.json(body);
  });

  // Read again by the room's screen when its code changes (changesAt).
  router.get('/api/proctor/rooms/codes', guard.read, async (req, res) => {
    const { session } = parseBody(RoomsQuery, req.query);
    res.json(await roomCodesOfSession(db, roomCodes, session, req.proctor!.scope));
  });

  router.post('/api/proctor/addresses/let-try-again', guard.chiefWrite, requireJsonBody(), async (req, res) => {
    const { address: given, reason } = parseBody(AddressUnthrottleRequest, req.body);
    const address = normaliseIp(given);
    if (!address) throw new InvalidInputError('Give an IPv4 or IPv6 address.', [{ path: 'address', message: 'not an IP address' }]);
    res.json({ address, cleared: await letTryAgain(db, { address }, reason, proctorActor(req)) });
  });

  router.post('/api/proctor/bulk/reset-lock', guard.participants, requireJsonBody(), async (req, res) => {
    const { reason, items } = parseBody(BulkResetLockRequest, req.body);
    res.json({ participants: await resetLocks(db, items, reason, proctorActor(req)) });
  });

  router.post('/api/proctor/bulk/expire', guard.participants, requireJsonBody(), async (req, res) => {
    const { reason, codes } = parseBody(BulkStatusChangeRequest, req.body);
    res.json({ participants: await setExpired(db, codes, true, reason, proctorActor(req)) });
  });

  router.post('/api/proctor/bulk/reopen', guard.participants, requireJsonBody(), async (req, res) => {
    const { reason, codes } = parseBody(BulkStatusChangeRequest, req.body);
    res.json({ participants: await setExpired(db, codes, false, reason, proctorActor(req)) });
  });

  return router;
}
