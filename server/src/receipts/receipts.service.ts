import type { ReceiptLookup } from '../../../contracts/receipt.ts';
import type { SecretSource } from '../lib/app-secrets.ts';
import type { Database } from '../lib/database.ts';
import { NotFoundError } from '../lib/errors.ts';
import { receiptCode } from './receipt-code.ts';
import { receiptsNamed } from './receipts.repo.ts';

export interface ReceiptFinding {
  participantId: number;
  lookup: ReceiptLookup;
  // The receipt is the MAC of this participant and lock time: the server made it for this check-in. A
  // row that is not was written into the table by hand.
  genuine: boolean;
}

export async function findReceipt(db: Database, key: SecretSource, receipt: string): Promise<ReceiptFinding[]> {
  const [secret, rows] = await Promise.all([key.get(), db.read((handle) => receiptsNamed(handle, receipt))]);
  return rows.map((row) => ({
    participantId: Number(row.participant_id),
    genuine: receiptCode(secret, Number(row.participant_id), row.granted_at) === receipt,
    lookup: {
      receipt,
      participant: { code: row.code, fullName: row.full_name, sessionId: Number(row.session_id), sessionName: row.session_name },
      auditEvent: {
        id: row.event_id === null ? 0 : Number(row.event_id),
        type: row.event_type ?? 'missing',
        at: row.granted_at.toISOString(),
        sourceIp: row.source_ip,
        device: row.device,
      },
      holdsLock: Boolean(row.holds_lock),
    },
  }));
}

// For a proctor: the check-in a participant's receipt names; one that the server did not make is not found.
// `covered`: whether the proctor may see the participant it names (a room proctor: their rooms' only); one
// they may not is answered as a receipt the server did not make.
export async function checkInByReceipt(db: Database, key: SecretSource, receipt: string, covered: (code: string) => Promise<boolean>): Promise<ReceiptLookup> {
  const found = (await findReceipt(db, key, receipt)).find((finding) => finding.genuine);
  if (!found || !(await covered(found.lookup.participant.code))) throw new NotFoundError('No check-in has this receipt.');
  return found.lookup;
}
