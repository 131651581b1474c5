import type { RowDataPacket } from 'mysql2/promise';
import type { Tx } from '../lib/database.ts';

// A device's own row (participant 0) is what two first check-ins of different codes from one device both
// write, so the second waits for the first to commit (one server) or fails certification and is retried (a
// Galera cluster): the participant rows alone are two different locks. The device's other rows name the
// participants it was let in for; whether one of them still holds the device's lock is read from their row
// after the claim, so resets and moved locks need no bookkeeping here (sessions read committed, so that
// read sees a lock committed while this transaction waited).
const DEVICE_ROW = 0;
const CLAIM = `INSERT INTO session_devices (session_id, device_hash, participant_id) VALUES (?, ?, ${DEVICE_ROW})
  ON DUPLICATE KEY UPDATE claims = claims + 1`;
const OTHER_HOLDER = `
  SELECT p.code FROM session_devices d JOIN participants p ON p.id = d.participant_id
   WHERE d.session_id = ? AND d.device_hash = ? AND d.participant_id NOT IN (${DEVICE_ROW}, ?)
     AND p.status = 'in_progress' AND p.locked_device = d.device_hash
   ORDER BY d.participant_id LIMIT 1`;
const LET_IN_FOR = 'INSERT IGNORE INTO session_devices (session_id, device_hash, participant_id) VALUES (?, ?, ?)';

export interface DeviceClaim {
  sessionId: number;
  deviceHash: string;
  participantId: number;
}

// Claims the device for this transaction; the code of another participant of the session whose lock it
// holds, if there is one. The caller holds the participant's row lock (always taken before the device's).
export async function claimDevice(tx: Tx, claim: DeviceClaim): Promise<string | undefined> {
  tx.defer(CLAIM, [claim.sessionId, claim.deviceHash]);
  const [row] = await tx.rows<RowDataPacket & { code: string }>(OTHER_HOLDER, [claim.sessionId, claim.deviceHash, claim.participantId]);
  return row?.code;
}

// The device was let in for the participant: sent with the COMMIT.
export function deviceLetIn(tx: Tx, claim: DeviceClaim): void {
  tx.defer(LET_IN_FOR, [claim.sessionId, claim.deviceHash, claim.participantId]);
}
