import { sha256Hex } from '../lib/hashing.ts';
import { limitedAddress } from '../lib/client-ip.ts';

// What a limit counts, as a hash: the failures table holds no address, code or username in clear.
function scope(kind: string, ...parts: string[]): string {
  return sha256Hex([kind, ...parts].join('\u0000'));
}

export const deviceScope = (deviceHash: string) => scope('device', deviceHash);
export const addressAndCodeScope = (ip: string, code: string) => scope('address+code', limitedAddress(ip), code);
export const loginScope = (username: string, ip: string) => scope('login', username.normalize('NFC').toLowerCase(), limitedAddress(ip));
export const loginUserScope = (username: string) => scope('login-user', username.normalize('NFC').toLowerCase());
