import { describe, expect, it } from 'vitest';
import { validateCheckIn } from './checkin-form.ts';

describe('validateCheckIn', () => {
  it('when both fields are empty, then each says what is missing', () => {
    expect(validateCheckIn('', '  ')).toEqual({ code: 'checkin.code.missing', fullName: 'checkin.name.missing' });
  });

  it('when the code has characters a code cannot have or is too short or long, then the code field says what a code looks like', () => {
    for (const code of ['AB C1', 'ABC', 'A'.repeat(33), 'ABCD_1234']) {
      expect(validateCheckIn(code, 'Ada Lovelace'), code).toEqual({ code: 'checkin.code.invalid' });
    }
  });

  it('when the name is longer than the server accepts, then the name field says so', () => {
    expect(validateCheckIn('ABCD-1234', 'x'.repeat(201))).toEqual({ fullName: 'checkin.name.tooLong' });
  });

  it('when the code has surrounding spaces and the name is valid in any script, then nothing is wrong', () => {
    expect(validateCheckIn('  abcd-1234 ', 'محمد علي')).toEqual({});
  });

  it('when the page asks for a room code, then one that is not its digits is named, and one typed as shown, in Arabic-Indic digits or not at all is fine', () => {
    expect(validateCheckIn('ABCD-1234', 'Ada', ' ')).toEqual({});
    for (const roomCode of ['12345', '1234567', 'HALL-A', '12a456']) expect(validateCheckIn('ABCD-1234', 'Ada', roomCode), roomCode).toEqual({ roomCode: 'checkin.roomCode.invalid' });
    for (const roomCode of ['482913', '482 913', '٤٨٢٩١٣']) expect(validateCheckIn('ABCD-1234', 'Ada', roomCode), roomCode).toEqual({});
    expect(validateCheckIn('ABCD-1234', 'Ada')).toEqual({});
  });
});
