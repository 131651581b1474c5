import { describe, expect, it } from 'vitest';
import { isoFromDatabase } from './database.ts';

describe('isoFromDatabase', () => {
  it('when given DATETIME(3) text, then it is the text Date.toISOString() gives for that UTC instant', () => {
    for (const iso of ['2026-11-22T07:03:42.004Z', '1999-12-31T23:59:59.999Z', '2030-01-01T00:00:00.000Z']) {
      const databaseText = iso.replace('T', ' ').replace('Z', '');
      expect(isoFromDatabase(databaseText)).toBe(new Date(iso).toISOString());
    }
  });

  it('when given another precision, then it is padded or cut to milliseconds', () => {
    expect(isoFromDatabase('2026-11-22 07:03:42')).toBe('2026-11-22T07:03:42.000Z');
    expect(isoFromDatabase('2026-11-22 07:03:42.5')).toBe('2026-11-22T07:03:42.500Z');
    expect(isoFromDatabase('2026-11-22 07:03:42.123456')).toBe('2026-11-22T07:03:42.123Z');
  });

  it('when given NULL, then it is null', () => {
    expect(isoFromDatabase(null)).toBeNull();
  });
});
