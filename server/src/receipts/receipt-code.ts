import { createHmac } from 'node:crypto';
import { RECEIPT_ALPHABET, RECEIPT_LENGTH } from '../../../contracts/receipt.ts';
import { AppSecret, givenSecret, type SecretSource } from '../lib/app-secrets.ts';
import type { Database } from '../lib/database.ts';

// The receipt of a check-in: a MAC over the participant and the moment their device got the lock, so the
// same lock (a re-entry, a network switch) shows the same receipt, a new lock a new one, and nobody
// without the server's key can make one up. Unless RECEIPT_KEY is configured the key is in the database
// (app_secrets), and whoever can read it can make receipts too (see docs/operations.md).
export function receiptCode(key: Buffer, participantId: number, grantedAt: Date): string {
  const mac = createHmac('sha256', key).update(`receipt.${participantId}.${grantedAt.toISOString()}`).digest();
  let value = mac.readBigUInt64BE(0);
  const base = BigInt(RECEIPT_ALPHABET.length);
  let receipt = '';
  for (let index = 0; index < RECEIPT_LENGTH; index++) {
    receipt += RECEIPT_ALPHABET[Number(value % base)];
    value /= base;
  }
  return receipt;
}

// The key every instance makes receipts with: RECEIPT_KEY when configured, else one kept in the database.
export const receiptKey = (db: Database, configured: string | undefined): SecretSource =>
  configured === undefined ? new AppSecret(db, 'receipts') : givenSecret(Buffer.from(configured, 'base64'));
