import { describe, expect, it } from 'vitest';
import { PARTICIPANT_CODE_PATTERN } from '../../../contracts/checkin.ts';
import { GENERATED_CODE_BITS, generateParticipantCode } from './participant-codes.ts';

describe('generateParticipantCode', () => {
  it('when codes are generated, then they carry at least 60 bits, avoid look-alikes, and pass check-in validation', () => {
    expect(GENERATED_CODE_BITS).toBeGreaterThanOrEqual(60);
    const codes = Array.from({ length: 2000 }, generateParticipantCode);
    for (const code of codes) {
      expect(code).toMatch(PARTICIPANT_CODE_PATTERN);
      expect(code).not.toMatch(/[01OI]/);
    }
    expect(new Set(codes).size).toBe(codes.length);
  });
});
