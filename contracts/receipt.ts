import { z } from 'zod';

// A check-in receipt: ten characters a participant can copy by hand or read out over the phone. No
// characters that look alike (no 0/O, 1/I/L, U/V), so a receipt written on paper reads back the same;
// 29 symbols, ten of them ≈ 48.6 bits, all of them a MAC only the server's key makes (server/src/receipts).
export const RECEIPT_ALPHABET = '23456789ABCDEFGHJKMNPQRSTWXYZ';
export const RECEIPT_LENGTH = 10;

// Shown and printed in two groups of five: K7QM4-XRT9B.
export function formatReceipt(receipt: string): string {
  return `${receipt.slice(0, 5)}-${receipt.slice(5)}`;
}

// What a person typed, as the receipt it names: case, spaces and dashes do not matter. Undefined when it
// cannot be a receipt (so a search box can tell a receipt from a name or a participant code).
export function parseReceipt(text: string): string | undefined {
  const compact = text.replace(/[\s-]/g, '').toUpperCase();
  if (compact.length !== RECEIPT_LENGTH) return undefined;
  for (const char of compact) if (!RECEIPT_ALPHABET.includes(char)) return undefined;
  return compact;
}

export const ReceiptParam = z.string().transform((text, context) => {
  const receipt = parseReceipt(text);
  if (receipt === undefined) {
    context.addIssue({ code: 'custom', message: `A receipt is ${RECEIPT_LENGTH} characters from ${RECEIPT_ALPHABET}, like ${formatReceipt('K7QM4XRT9B')}.` });
    return z.NEVER;
  }
  return receipt;
});

export const ReceiptParams = z.object({ receipt: ReceiptParam });

// What a proctor (or the CLI) learns from a receipt: the check-in that got it, and whether that check-in
// still holds the participant's lock.
export const ReceiptLookup = z.object({
  receipt: z.string(),
  participant: z.object({ code: z.string(), fullName: z.string(), sessionId: z.number(), sessionName: z.string() }),
  // The audit row that gave the device its lock (a check-in, or a proctor's move of the lock).
  auditEvent: z.object({ id: z.number(), type: z.string(), at: z.iso.datetime(), sourceIp: z.string().nullable(), device: z.string().nullable() }),
  holdsLock: z.boolean(),
});
export type ReceiptLookup = z.infer<typeof ReceiptLookup>;
