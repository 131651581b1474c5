import { hash } from 'node:crypto';

// SHA-256 as hex in one call: createHash().update().digest() builds three objects and cost twice as
// long, and the check-in path hashes a name, a device key and, after a failure, the parties it counts.
export function sha256Hex(data: string): string {
  return hash('sha256', data, 'hex');
}
