import { sha256Hex } from '../lib/hashing.ts';

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
  return sha256Hex(comparableName(name));
}
