import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseReceipt, RECEIPT_ALPHABET } from '../../../contracts/receipt.ts';
import { receiptCode } from './receipt-code.ts';

describe('receiptCode', () => {
  const key = randomBytes(32);
  const at = new Date('2026-12-06T09:02:13.123Z');

  it('is the same for the same lock and a valid receipt', () => {
    const receipt = receiptCode(key, 42, at);
    expect(receiptCode(key, 42, new Date(at))).toBe(receipt);
    expect(parseReceipt(receipt)).toBe(receipt);
  });

  it('changes with the participant, the lock time (to the millisecond) and the key', () => {
    const receipt = receiptCode(key, 42, at);
    expect(receiptCode(key, 43, at)).not.toBe(receipt);
    expect(receiptCode(key, 42, new Date(at.getTime() + 1))).not.toBe(receipt);
    expect(receiptCode(randomBytes(32), 42, at)).not.toBe(receipt);
  });

  it('uses every symbol of the alphabet in every position about equally', () => {
    const counts = new Map<string, number>();
    for (let id = 0; id < 29_000; id++) for (const char of receiptCode(key, id, at)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe([...RECEIPT_ALPHABET].sort().join(''));
    // 290,000 symbols over 29: 10,000 each expected; a binomial's 5 standard deviations is about 500.
    for (const count of counts.values()) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
