import { describe, expect, it } from 'vitest';
import { formatReceipt, parseReceipt, RECEIPT_ALPHABET, RECEIPT_LENGTH } from './receipt.ts';

describe('receipts as people type them', () => {
  it('has no characters that look alike', () => {
    for (const lookAlike of '01OILUV') expect(RECEIPT_ALPHABET).not.toContain(lookAlike);
    expect(new Set(RECEIPT_ALPHABET).size).toBe(RECEIPT_ALPHABET.length);
  });

  it('reads a receipt whatever its case, spaces and dashes', () => {
    expect(parseReceipt(' k7qm4-xrt9b ')).toBe('K7QM4XRT9B');
    expect(parseReceipt('K7QM 4XRT 9B')).toBe('K7QM4XRT9B');
    expect(formatReceipt('K7QM4XRT9B')).toBe('K7QM4-XRT9B');
  });

  it('tells a receipt from a name or a participant code', () => {
    expect(parseReceipt('K7QM4-XRT9')).toBeUndefined();
    expect(parseReceipt('K7QM4-XRT9BB')).toBeUndefined();
    expect(parseReceipt('K7QM0-XRT9B')).toBeUndefined();
    expect(parseReceipt('Ada Lovelace')).toBeUndefined();
    expect(parseReceipt('A'.repeat(RECEIPT_LENGTH))).toBe('A'.repeat(RECEIPT_LENGTH));
  });
});
