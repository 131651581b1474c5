import { recordAddressUnthrottled, recordEvent } from '../audit/audit.repo.ts';
import { databaseNow, type Database, withTransaction } from '../lib/database.ts';
import { NotFoundError } from '../lib/errors.ts';
import type { Actor } from '../lib/http.ts';
import { lockParticipantByCode } from '../participants/participants.repo.ts';
import { clearFailures } from './attempt-failures.repo.ts';

export type Unthrottle = { code: string } | { address: string };

// A proctor lets a participant (every device and address that failed on their code) or an address try
// again at once. Audited, and announced on the live stream like any participant event.
export async function letTryAgain(db: Database, by: Unthrottle, reason: string | null, actor: Actor): Promise<number> {
  return withTransaction(db, async (tx) => {
    const participant = 'code' in by ? await lockParticipantByCode(tx, by.code) : undefined;
    if ('code' in by && !participant) throw new NotFoundError(`No participant has the code ${by.code}.`);
    if (participant) actor.scope?.requireCovers(participant);
    const cleared = await clearFailures(tx, by);
    const facts = {
      type: 'throttle_cleared' as const, sourceIp: actor.ip, userAgent: null, requestId: actor.requestId, actor: actor.name, reason,
      details: JSON.stringify({ ...by, cleared }),
    };
    if (participant) recordEvent(tx, participant, facts);
    else await recordAddressUnthrottled(tx, facts, await databaseNow(tx));
    return cleared;
  });
}
