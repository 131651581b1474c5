import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Statement, Tx } from '../lib/database.ts';

// A device's row in its session is what two first check-ins of different codes from one device both
// write, so the second waits for the first to commit (one server) or fails certification and is retried (a
// Galera cluster): the participant rows alone are two different locks. The row names the participant the
// device was last let in for (a new row: the one it first tried); whether they still hold the device's
// lock is read from their row, so resets and moved locks need no bookkeeping here (sessions read
// committed: that read sees a lock committed while this transaction waited for the device's row).
//
// The claim is one statement, sent with the row lock for a participant known by code, and it answers who
// the row named (LAST_INSERT_ID(expr) carries the holder's id back in the OK packet): a first check-in on
// a new device costs one row written, and only a device that was let in before costs a read of its holder.
// Every statement more cost the database about 30 µs per check-in (two more, with a join, cost +33 %).
const CLAIM_FOR_CODE = `
  INSERT INTO session_devices (session_id, device_hash, holder_id)
  SELECT p.session_id, ?, p.id FROM participants p WHERE p.code = ?
  ON DUPLICATE KEY UPDATE claims = claims + 1, holder_id = LAST_INSERT_ID(holder_id)`;
// The same for a session and device, when the claim did not ride along (see SessionCache.judgesDevices).
const CLAIM = `
  INSERT INTO session_devices (session_id, device_hash, holder_id) VALUES (?, ?, ?)
  ON DUPLICATE KEY UPDATE claims = claims + 1, holder_id = LAST_INSERT_ID(holder_id)`;
const HOLDER = "SELECT code, status = 'in_progress' AND locked_device = ? AS holds FROM participants WHERE id = ?";
// Any other participant of the session whose lock the device holds: asked only when the one the row names
// has lost it (a reset, a moved lock), over the session's participants, since no index leads by device.
const ANOTHER_HOLDER = "SELECT id, code FROM participants WHERE session_id = ? AND locked_device = ? AND status = 'in_progress' AND id <> ? LIMIT 1";
const LET_IN_FOR = 'UPDATE session_devices SET holder_id = ? WHERE session_id = ? AND device_hash = ?';
const MOVED_TO = `
  INSERT INTO session_devices (session_id, device_hash, holder_id) VALUES (?, ?, ?)
  ON DUPLICATE KEY UPDATE claims = claims + 1, holder_id = VALUES(holder_id)`;

export interface DeviceClaim {
  sessionId: number;
  deviceHash: string;
  participantId: number;
}

// What the claim found: a new row (the device checks in to this session for the first time), or the
// participant an existing row named.
export type Claimed = { newDevice: true } | { newDevice: false; holderId: number };

export function deviceClaimFor(code: string, deviceHash: string): Statement {
  return { sql: CLAIM_FOR_CODE, values: [deviceHash, code] };
}

// An insert counts one affected row, an update of an existing one two.
export function claimedBy(result: unknown): Claimed | undefined {
  const header = result as ResultSetHeader | undefined;
  if (!header || header.affectedRows === 0) return undefined;
  return header.affectedRows === 1 ? { newDevice: true } : { newDevice: false, holderId: Number(header.insertId) };
}

export async function claimDevice(tx: Tx, claim: DeviceClaim): Promise<Claimed> {
  return claimedBy(await tx.run(CLAIM, [claim.sessionId, claim.deviceHash, claim.participantId]))!;
}

// The code of another participant of the session whose lock the device holds, if there is one: the one the
// row names, or, when they have lost the lock, any other (the device may have been let in for several, under
// flagged or before the session refused sharing). The row then names that one, or else the claimant, from
// now on (sent with the COMMIT). Every lock the device takes while the session judges devices (a check-in, a
// lock moved to it) writes its row, which this transaction holds, and sessions read committed: no such
// holder is missed.
export async function otherHolder(tx: Tx, claimed: Claimed, claim: DeviceClaim): Promise<string | undefined> {
  if (claimed.newDevice || claimed.holderId === claim.participantId) return undefined;
  const [holder] = await tx.rows<RowDataPacket & { code: string; holds: number }>(HOLDER, [claim.deviceHash, claimed.holderId]);
  if (holder && Number(holder.holds) === 1) return holder.code;
  const [another] = await tx.rows<RowDataPacket & { id: number; code: string }>(ANOTHER_HOLDER, [claim.sessionId, claim.deviceHash, claim.participantId]);
  tx.defer(LET_IN_FOR, [another ? Number(another.id) : claim.participantId, claim.sessionId, claim.deviceHash]);
  return another?.code;
}

// A proctor moved the participant's lock to this device (sent with the COMMIT): the device holds it, and a
// second code it checks in is judged against it.
export function lockMovedTo(tx: Tx, claim: DeviceClaim): void {
  tx.defer(MOVED_TO, [claim.sessionId, claim.deviceHash, claim.participantId]);
}
