import { FULL_NAME_MAX_LENGTH, NAME_CONTROL_CHARACTER, NAME_HAS_LETTER, PARTICIPANT_CODE_PATTERN } from '../../../contracts/checkin.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { estimatedCodeBits, generateParticipantCode, MIN_CODE_BITS } from './participant-codes.ts';
import { existingCodes, holdRosterSeats, insertParticipants } from './roster.repo.ts';
import { RoomName, seatLabelProblem } from '../../../contracts/rooms.ts';
import type { Tx } from '../lib/database.ts';
import { findSessionByName, lockOrCreateSession } from '../exam-sessions/exam-sessions.repo.ts';
import { lockSeatsOfRoom, roomsOfSession, sameRoomName } from '../rooms/rooms.repo.ts';
import { randomUUID } from 'node:crypto';
import { recordEvent } from '../audit/audit.repo.ts';
import type { Actor } from '../lib/http.ts';
import { lockParticipantsByCodes } from '../participants/participants.repo.ts';

export interface RosterRow {
  line: number;
  code: string;
  fullName: string;
  // Optional columns: the participant's room of the session, and their seat in it.
  room?: string;
  seat?: string;
}

export interface RosterProblem {
  line: number;
  message: string;
}

export class RosterRejectedError extends Error {
  constructor(readonly problems: RosterProblem[]) {
    super(`The roster was not imported: ${problems.length} problem(s)`);
    this.name = 'RosterRejectedError';
  }
}

// Codes chosen by the organiser that a guesser could find (see MIN_CODE_BITS); refused unless the
// operator accepts them knowingly.
export class ShortCodesError extends Error {
  constructor(readonly short: ShortCodes) {
    super(`${short.count} code(s) are short enough to be guessed`);
    this.name = 'ShortCodesError';
  }
}

export interface ShortCodes {
  count: number;
  weakest: { line: number; code: string; bits: number };
}

export interface ImportOptions {
  allowShortCodes?: boolean;
  // Who imports: the audit rows that place participants in rooms name them.
  actor?: Actor;
}

export interface ImportResult {
  participants: ImportedParticipant[];
  shortCodes: ShortCodes | undefined;
}

export interface ImportedParticipant {
  line: number;
  code: string;
  fullName: string;
  generated: boolean;
  room?: string;
  seat?: string;
  // Resolved in the import's transaction.
  roomId?: number;
}

export function validateRows(rows: RosterRow[]): { participants: ImportedParticipant[]; problems: RosterProblem[] } {
  const problems: RosterProblem[] = [];
  const firstLineOfCode = new Map<string, number>();
  const firstLineOfSeat = new Map<string, number>();
  const participants: ImportedParticipant[] = [];
  for (const row of rows) {
    const fullName = row.fullName.trim();
    const given = row.code.trim().toUpperCase();
    if (fullName.length === 0) problems.push({ line: row.line, message: 'full_name is empty' });
    else if (!NAME_HAS_LETTER.test(fullName)) problems.push({ line: row.line, message: 'full_name has no letter or digit (only spaces, punctuation or invisible characters)' });
    if (NAME_CONTROL_CHARACTER.test(fullName)) problems.push({ line: row.line, message: 'full_name contains a control character (a line break inside quotes, a tab or an escape sequence)' });
    if (fullName.length > FULL_NAME_MAX_LENGTH) {
      problems.push({ line: row.line, message: `full_name is longer than ${FULL_NAME_MAX_LENGTH} characters` });
    }
    if (given !== '' && !PARTICIPANT_CODE_PATTERN.test(given)) {
      problems.push({ line: row.line, message: `code "${row.code.trim()}" must be 4 to 32 letters, digits or hyphens` });
    }
    if (given !== '') {
      const first = firstLineOfCode.get(given);
      if (first !== undefined) problems.push({ line: row.line, message: `code ${given} already appears on line ${first}` });
      else firstLineOfCode.set(given, row.line);
    }
    const place = validPlace(row, problems, firstLineOfSeat);
    participants.push({ line: row.line, code: given, fullName, generated: given === '', ...place });
  }
  for (const participant of participants) {
    if (!participant.generated) continue;
    let code = generateParticipantCode();
    while (firstLineOfCode.has(code)) code = generateParticipantCode();
    firstLineOfCode.set(code, participant.line);
    participant.code = code;
  }
  return { participants, problems };
}

// A row's room and seat as given (empty cells: none); problems are added with the row's line.
function validPlace(row: RosterRow, problems: RosterProblem[], firstLineOfSeat: Map<string, number>): { room?: string; seat?: string } {
  const roomText = row.room?.trim() ?? '';
  const seat = row.seat?.trim() ?? '';
  if (roomText === '') {
    if (seat !== '') problems.push({ line: row.line, message: `seat ${seat} is given without a room` });
    return {};
  }
  const room = RoomName.safeParse(roomText);
  if (!room.success) {
    problems.push({ line: row.line, message: room.error.issues[0]!.message });
    return {};
  }
  if (seat === '') return { room: room.data };
  const problem = seatLabelProblem(seat);
  if (problem) {
    problems.push({ line: row.line, message: problem });
    return { room: room.data };
  }
  const key = `${room.data.toLocaleLowerCase()}\u0000${seat.toUpperCase()}`;
  const first = firstLineOfSeat.get(key);
  if (first !== undefined) problems.push({ line: row.line, message: `seat ${seat} in ${room.data} is already given on line ${first}` });
  else firstLineOfSeat.set(key, row.line);
  return { room: room.data, seat };
}

// In the import's transaction: each room named must be a room of the session, each seat one of its free
// seats (locked until the import commits). Sets roomId and the seat's stored spelling.
async function placeParticipants(tx: Tx, sessionName: string, sessionId: number, participants: ImportedParticipant[]): Promise<RosterProblem[]> {
  const placed = participants.filter((participant) => participant.room !== undefined);
  if (placed.length === 0) return [];
  const problems: RosterProblem[] = [];
  const session = await findSessionByName(tx, sessionName);
  const rooms = await roomsOfSession(tx, sessionId);
  const seatsOfRoom = new Map<number, Map<string, { label: string; holderId: number | null }>>();
  for (const participant of placed) {
    const room = rooms.find((candidate) => sameRoomName(candidate.name, participant.room!));
    if (!room) {
      problems.push({ line: participant.line, message: `"${sessionName}" has no room "${participant.room}" (add it first: npm run cli -- room add "${sessionName}" "${participant.room}")` });
      continue;
    }
    participant.roomId = room.id;
    if (participant.seat === undefined) continue;
    if (session?.seating === 'none') {
      problems.push({ line: participant.line, message: `"${sessionName}" does not seat participants (seating none): set it first with npm run cli -- session set "${sessionName}" --seating fixed` });
      continue;
    }
    let seats = seatsOfRoom.get(room.id);
    if (!seats) {
      seats = new Map((await lockSeatsOfRoom(tx, room.id)).map((seat) => [seat.label.toUpperCase(), seat]));
      seatsOfRoom.set(room.id, seats);
    }
    const seat = seats.get(participant.seat.toUpperCase());
    if (!seat) problems.push({ line: participant.line, message: `${room.name} has no seat ${participant.seat} in its seat plan` });
    else if (seat.holderId !== null) problems.push({ line: participant.line, message: `seat ${seat.label} in ${room.name} is already held by another participant` });
    else participant.seat = seat.label;
  }
  return problems;
}

// Every place is given by an audited event (audit verify's invariant 6): a participant the roster puts in a
// room starts their audit chain with a seat_changed row naming the room and seat. In batches, each batch's
// writes travelling with the next batch's lock statement.
async function auditPlacements(tx: Tx, participants: ImportedParticipant[], actor: Actor): Promise<void> {
  const placed = participants.filter((participant) => participant.roomId !== undefined).map((participant) => participant.code);
  const BATCH = 100;
  for (let start = 0; start < placed.length; start += BATCH) {
    for (const participant of await lockParticipantsByCodes(tx, placed.slice(start, start + BATCH))) {
      recordEvent(tx, participant, { type: 'seat_changed', sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason: 'roster import' });
    }
  }
}

export function findShortCodes(participants: ImportedParticipant[]): ShortCodes | undefined {
  let weakest: ShortCodes['weakest'] | undefined;
  let count = 0;
  for (const participant of participants) {
    if (participant.generated) continue;
    const bits = estimatedCodeBits(participant.code);
    if (bits >= MIN_CODE_BITS) continue;
    count++;
    if (!weakest || bits < weakest.bits) weakest = { line: participant.line, code: participant.code, bits };
  }
  return weakest && { count, weakest };
}

// All or nothing: every problem is reported with its line, and a single bad row imports nothing.
export async function importRoster(db: Database, sessionName: string, rows: RosterRow[], options: ImportOptions = {}): Promise<ImportResult> {
  const { participants, problems } = validateRows(rows);
  if (problems.length > 0) throw new RosterRejectedError(problems);
  const shortCodes = findShortCodes(participants);
  if (shortCodes && !options.allowShortCodes) throw new ShortCodesError(shortCodes);
  const imported = await withTransaction(db, async (tx) => {
    const sessionId = await lockOrCreateSession(tx, sessionName);
    const taken = await existingCodes(tx, participants.map((participant) => participant.code));
    if (taken.size > 0) {
      throw new RosterRejectedError(
        participants
          .filter((participant) => taken.has(participant.code))
          .map((participant) => ({
            line: participant.line,
            message: participant.generated
              ? 'a generated code collided with an existing one; run the import again'
              : `code ${participant.code} already exists in the database`,
          })),
      );
    }
    const placeProblems = await placeParticipants(tx, sessionName, sessionId, participants);
    if (placeProblems.length > 0) throw new RosterRejectedError(placeProblems);
    await insertParticipants(tx, sessionId, participants);
    if (participants.some((participant) => participant.seat !== undefined)) await holdRosterSeats(tx, sessionId);
    await auditPlacements(tx, participants, options.actor ?? { name: 'roster import', ip: null, requestId: randomUUID() });
    return participants;
  });
  return { participants: imported, shortCodes };
}
