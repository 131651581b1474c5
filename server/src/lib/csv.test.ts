import { describe, expect, it } from 'vitest';
import { csvCell } from './csv.ts';

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1+2', "'+1+2"],
    ['-1-2', "'-1-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['  =1+2', "'  =1+2"],
    ['\t=1', "'\t=1"],
    ['a;b', '"a;b"'],
    ['=1;2', `"'=1;2"`],
    ['a,b', '"a,b"'],
    ['Mozilla/5.0 (X11; Linux)', '"Mozilla/5.0 (X11; Linux)"'],
    ['plain', 'plain'],
  ])('when a cell is %j, then it is written as %s', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  it('when a cell is a date, a number or empty, then it is an ISO time, the number, or nothing', () => {
    expect(csvCell(new Date('2030-01-02T03:04:05.678Z'))).toBe('2030-01-02T03:04:05.678Z');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(null)).toBe('');
  });
});
