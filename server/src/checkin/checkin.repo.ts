import type { RowDataPacket } from 'mysql2/promise';
import { auditedUserAgent } from '../audit/audit.repo.ts';
import type { Tx } from '../lib/database.ts';

export type DecidedInDatabase = 'checked_in' | 'reentered' | 'device_conflict' | 'code_expired';

export type DatabaseCheckIn =
  | { outcome: 'undecided' }
  | { outcome: DecidedInDatabase; fullName: string; sessionName: string; deviceLockedAt: Date };

interface CheckInRow extends RowDataPacket {
  outcome: DecidedInDatabase | 'undecided';
  full_name: string | null;
  session_name: string | null;
  device_locked_at: Date | null;
}

const CALL_CHECK_IN = 'CALL examgate_check_in(?, ?, ?, ?, ?, ?)';

// The procedure of migration 007: the row lock, the decision and the writes of a known participant
// typing the confirmed name, committed in this one round trip. 'undecided' means it wrote nothing and
// the attempt needs the application's decision.
export async function checkInInDatabase(
  tx: Tx,
  attempt: { code: string; nameHash: string; ip: string; userAgent: string | null; requestId: string; failureWindowS: number },
): Promise<DatabaseCheckIn> {
  const [row] = await tx.callAndCommit<CheckInRow>(CALL_CHECK_IN, [
    attempt.code,
    attempt.nameHash,
    attempt.ip,
    auditedUserAgent(attempt.userAgent),
    attempt.requestId,
    attempt.failureWindowS,
  ]);
  if (!row) throw new Error('examgate_check_in returned no row');
  if (row.outcome === 'undecided') return { outcome: 'undecided' };
  return { outcome: row.outcome, fullName: row.full_name!, sessionName: row.session_name!, deviceLockedAt: row.device_locked_at! };
}
