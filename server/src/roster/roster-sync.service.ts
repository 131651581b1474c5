import type { RosterSyncAnswer } from '../../../contracts/api-tokens.ts';
import { recordEvent } from '../audit/audit.repo.ts';
import { type Database, withTransaction } from '../lib/database.ts';
import { InvalidInputError, NotFoundError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { lockParticipantByCode } from '../participants/participants.repo.ts';
import { MIN_CODE_BITS } from './participant-codes.ts';
import { existingCodes, insertParticipants, lockSession, sessionMembers, setFullName } from './roster.repo.ts';
import { findShortCodes, validateRows } from './roster.service.ts';

export interface RosterSyncInput {
  participants: { code: string; fullName: string }[];
  allowShortCodes?: boolean;
}

const REASON = 'roster sync';
const DUPLICATE_KEY = 1062;

// Makes the session's roster the one given, in one transaction: adds the new codes, renames, withdraws the
// ones left out (their history stays; their code is refused from then on) and reinstates withdrawn ones
// named again. Each change of an existing participant is an audit event under its row lock, like a
// proctor's action. Syncs of one session are serialised by its row; check-ins do not take that lock.
export async function syncRoster(db: Database, sessionId: number, input: RosterSyncInput, actor: Actor): Promise<RosterSyncAnswer> {
  const { participants, problems } = validateRows(input.participants.map((participant, index) => ({ line: index, ...participant })));
  const issues = problems.map((problem) => ({ path: `participants.${problem.line}`, message: problem.message }));
  const short = findShortCodes(participants);
  if (short && !input.allowShortCodes) {
    issues.push({
      path: `participants.${short.weakest.line}.code`,
      message: `${short.count} code(s) are short enough to be guessed (${short.weakest.code}: about ${short.weakest.bits} bits, at least ${MIN_CODE_BITS} wanted); send allowShortCodes: true to accept them`,
    });
  }
  if (issues.length > 0) throw new InvalidInputError('The roster was not synchronised: nothing changed.', issues);
  return withTransaction(db, async (tx) => {
    if (!(await lockSession(tx, sessionId))) throw new NotFoundError(`No exam session ${sessionId}.`);
    const members = new Map((await sessionMembers(tx, sessionId)).map((member) => [member.code, member]));
    const wanted = new Map(participants.map((participant) => [participant.code, participant]));
    const newcomers = participants.filter((participant) => !members.has(participant.code));
    const elsewhere = await existingCodes(tx, newcomers.map((participant) => participant.code));
    if (elsewhere.size > 0) {
      throw new InvalidInputError(
        'The roster was not synchronised: nothing changed.',
        newcomers.filter((participant) => elsewhere.has(participant.code)).map((participant) => ({ path: `participants.${participant.line}.code`, message: `code ${participant.code} belongs to another exam session` })),
      );
    }
    // What happens to each participant already in the session; the answer lists are read off these plans.
    const plans = [...members.values()].map((member) => {
      const given = wanted.get(member.code);
      return {
        code: member.code,
        withdraw: !given && !member.withdrawn,
        newName: given && given.fullName !== member.fullName ? given.fullName : undefined,
        reinstate: given !== undefined && member.withdrawn,
      };
    });
    const changing = plans.filter((plan) => plan.withdraw || plan.newName !== undefined || plan.reinstate);
    // In code order, like the proctor's bulk actions, so two writers over overlapping codes cannot deadlock
    // (and so the answer's lists come out sorted).
    for (const plan of changing.sort((a, b) => (a.code < b.code ? -1 : 1))) {
      const participant = await lockParticipantByCode(tx, plan.code);
      if (!participant) continue;
      if (plan.withdraw) recordEvent(tx, participant, byActor(actor, 'withdrawn'));
      // The rename first: it changes no state, so the reinstatement after it starts from the row as read.
      if (plan.newName !== undefined) {
        recordEvent(tx, participant, byActor(actor, 'renamed'));
        setFullName(tx, participant.id, plan.newName);
      }
      if (plan.reinstate) recordEvent(tx, participant, byActor(actor, 'reinstated'));
    }
    try {
      await insertParticipants(tx, sessionId, newcomers);
    } catch (error) {
      // Another session's sync added one of these codes after the check above (codes are unique everywhere).
      if ((error as { errno?: number }).errno === DUPLICATE_KEY) throw new InvalidInputError('A code of this roster was just added to another exam session: nothing changed. Send the roster again to see which.');
      throw error;
    }
    const codesWhere = (applies: (plan: (typeof plans)[number]) => boolean) => changing.filter(applies).map((plan) => plan.code);
    return {
      added: newcomers.map((participant) => participant.code).sort(),
      renamed: codesWhere((plan) => plan.newName !== undefined),
      withdrawn: codesWhere((plan) => plan.withdraw),
      reinstated: codesWhere((plan) => plan.reinstate),
      unchanged: plans.filter((plan) => wanted.has(plan.code) && plan.newName === undefined && !plan.reinstate).length,
    };
  });
}

function byActor(actor: Actor, type: 'withdrawn' | 'reinstated' | 'renamed') {
  return { type, sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason: REASON };
}
