import { FULL_NAME_MAX_LENGTH, NAME_CONTROL_CHARACTER, NAME_HAS_LETTER, PARTICIPANT_CODE_PATTERN } from '../../../contracts/checkin.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { estimatedCodeBits, generateParticipantCode, MIN_CODE_BITS } from './participant-codes.ts';
import { existingCodes, insertParticipants, lockOrCreateSession } from './roster.repo.ts';

export interface RosterRow {
  line: number;
  code: string;
  fullName: string;
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
}

export function validateRows(rows: RosterRow[]): { participants: ImportedParticipant[]; problems: RosterProblem[] } {
  const problems: RosterProblem[] = [];
  const firstLineOfCode = new Map<string, number>();
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
    participants.push({ line: row.line, code: given, fullName, generated: given === '' });
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
    await insertParticipants(tx, sessionId, participants);
    return participants;
  });
  return { participants: imported, shortCodes };
}
