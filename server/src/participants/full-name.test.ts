import { describe, expect, it } from 'vitest';
import { sameName } from './full-name.ts';

describe('sameName', () => {
  it.each([
    ['Jane Doe', '  jane   DOE '],
    ['José', 'Jose\u0301'],
    ['Straße', 'STRASSE'],
    ['محمد علي', 'محمد  علي'],
    ['李明', '李明'],
    ['Ærøskøbing Ågård', 'ærøskøbing ågård'],
  ])('when %j is typed as %j, then the names match', (registered, typed) => {
    expect(sameName(registered, typed)).toBe(true);
  });

  it.each([
    ['Jane Doe', 'Jane Doe Smith'],
    ['José', 'Jose'],
    ['李明', '李朋'],
    ['Jane Doe', 'JaneDoe'],
  ])('when %j is typed as %j, then the names differ', (registered, typed) => {
    expect(sameName(registered, typed)).toBe(false);
  });
});
