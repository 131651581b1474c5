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
