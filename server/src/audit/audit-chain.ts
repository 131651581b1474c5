import { createHash } from 'node:crypto';

// The hash chains that make the audit log tamper-evident. Each audit row is a link: SHA-256 over the
// previous link's hash and the row's canonical content, which names the row's chain and position. A row
// edited, deleted or inserted by hand no longer fits its chain, and `audit verify` finds the first one
// that does not. Hashes, not signatures: whoever can write the database can also rewrite a whole chain,
// which is what seals kept elsewhere are for (see audit-seal.ts).

// The hash "before" the first link of every chain.
export const GENESIS = Buffer.alloc(32);

// Where the next link goes: the chain's length so far and its last hash (null: empty).
export interface ChainLink {
  seq: number;
  head: Buffer | null;
}

// The values `purge` removes after the retention period. The chain covers their digest, which stays, so a
// purged row still verifies; while they are there, verify checks them against it.
export interface PersonalValues {
  sourceIp: string | null;
  device: string | null;
  userAgent: string | null;
  submittedNameHash: string | null;
  lockedIpBefore: string | null;
  lockedIpAfter: string | null;
  lockedDeviceBefore: string | null;
  lockedDeviceAfter: string | null;
  reason: string | null;
  details: string | null;
}

// The rest of an audit row, as stored; everything but its auto-increment id, which is not known before the
// insert (and orders nothing: the chain does).
export interface ChainedContent {
  participantId: number | null;
  chainKey: string | null;
  seq: number;
  code: string;
  eventType: string;
  requestId: string;
  actor: string | null;
  statusBefore: string | null;
  statusAfter: string | null;
  lockPolicy: string | null;
  sessionId: number | null;
  createdAt: Date;
  // Where the participant sat after the event (migration 021): part of the link only when set, so that rows
  // written before rooms existed keep their hashes.
  roomId: number | null;
  seat: string | null;
}

// A string as the database gives it back: the driver sends text as UTF-8, in which a lone surrogate (a
// user agent cut in the middle of an emoji) becomes U+FFFD. Only text with surrogates can change, so only
// that goes through the round trip (it is on every check-in's path).
const SURROGATE = /[\uD800-\uDFFF]/;
const asStored = (value: string | null) => (value === null || !SURROGATE.test(value) ? value : Buffer.from(value, 'utf8').toString('utf8'));

export function personalDigest(values: PersonalValues): Buffer {
  const canonical = JSON.stringify([
    values.sourceIp,
    values.device,
    values.userAgent,
    values.submittedNameHash,
    values.lockedIpBefore,
    values.lockedIpAfter,
    values.lockedDeviceBefore,
    values.lockedDeviceAfter,
    values.reason,
    values.details,
  ].map(asStored));
  return createHash('sha256').update(canonical).digest();
}

export function linkHash(previous: Buffer | null, content: ChainedContent, digest: Buffer): Buffer {
  const canonical = JSON.stringify([
    content.participantId,
    content.chainKey,
    content.seq,
    content.code,
    content.eventType,
    asStored(content.requestId),
    asStored(content.actor),
    content.statusBefore,
    content.statusAfter,
    content.lockPolicy,
    content.sessionId,
    content.createdAt.toISOString(),
    digest.toString('hex'),
    ...(content.roomId === null && content.seat === null ? [] : [content.roomId, content.seat]),
  ]);
  return createHash('sha256')
    .update(previous ?? GENESIS)
    .update(canonical)
    .digest();
}

// Attempts on codes that do not exist are spread over this many chains (audit_chains rows unknown-00 to
// unknown-63, made by migration 016), by their code.
const UNKNOWN_CODE_CHAINS = 64;

export function unknownCodeChain(code: string): string {
  const bucket = createHash('sha256').update(code).digest().readUInt16BE(0) % UNKNOWN_CODE_CHAINS;
  return `unknown-${String(bucket).padStart(2, '0')}`;
}

// The chains of events that belong to no participant.
export const CHAIN_KEYS = { accounts: 'accounts', sessions: 'sessions', throttles: 'throttles', incidents: 'incidents', keys: 'keys' } as const;
