import { createHash } from 'node:crypto';

// Names are compared as people perceive them: case, surrounding and repeated whitespace, and the
// composed/decomposed forms of accented letters (NFC) must not matter. Upper- then lower-casing
// approximates full case folding (German ß matches SS) without a locale.
export function comparableName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/gu, ' ').toUpperCase().toLowerCase().normalize('NFC');
}

export function sameName(a: string, b: string): boolean {
  return comparableName(a) === comparableName(b);
}

export function nameHash(name: string): string {
  return createHash('sha256').update(comparableName(name)).digest('hex');
}

// Stored per participant for the check-in procedure (migration 007), which cannot normalise names
// itself: it confirms a typed name by recomputing this from the typed name's hash and the stored name.
export function nameCheck(fullName: string): string {
  return createHash('sha256').update(`${nameHash(fullName)}:${fullName}`).digest('hex');
}
