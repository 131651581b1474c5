import { describe, expect, it } from 'vitest';
import { utcToWallTime, wallTimeToUtc } from './zoned-time.ts';

describe('wall times in an exam time zone', () => {
  it.each([
    ['2026-06-01T09:30', 'Europe/Berlin', '2026-06-01T07:30:00.000Z'],
    ['2026-01-15T09:30', 'Europe/Berlin', '2026-01-15T08:30:00.000Z'],
    ['2026-06-01T09:30', 'America/New_York', '2026-06-01T13:30:00.000Z'],
    ['2026-06-01T09:30', 'Asia/Kolkata', '2026-06-01T04:00:00.000Z'],
    ['2026-06-01T09:30', 'UTC', '2026-06-01T09:30:00.000Z'],
    ['2026-03-29T03:30', 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
  ])('when %s is entered for %s, then it is stored as %s, and shown back as entered', (wall, zone, utc) => {
    expect(wallTimeToUtc(wall, zone)).toBe(utc);
    expect(utcToWallTime(utc, zone)).toBe(wall);
  });
});
