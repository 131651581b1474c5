import { randomInt } from 'node:crypto';

// 32 symbols without the look-alikes 0/O and 1/I: each character carries exactly 5 bits.
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;
export const GENERATED_CODE_BITS = GROUPS * GROUP_LENGTH * Math.log2(ALPHABET.length);

export function generateParticipantCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

// Below this a code can be found by guessing: the attempt limits slow a guesser that keeps its device key
// or its address, but one that throws its key away on every attempt and tries each code once is slowed only
// by the server's throughput. 40 bits at 1,500 attempts a second take about 23 years on average, for one
// participant whose name the guesser knows.
export const MIN_CODE_BITS = 40;

// What a guesser who has seen one code must search: each letter one of 26, each digit one of 10; hyphens
// and the case of letters tell nothing.
export function estimatedCodeBits(code: string): number {
  let bits = 0;
  for (const character of code) {
    if (/[0-9]/.test(character)) bits += Math.log2(10);
    else if (/[A-Za-z]/.test(character)) bits += Math.log2(26);
  }
  return bits;
}
