import type { RowDataPacket } from 'mysql2/promise';
import { PURGED_COLUMNS, PURGED_DETAIL_KEYS, reasonIsPurged } from './audit-purge.ts';
import { type ChainedContent, type ChainLink, linkHash, type PersonalValues, personalDigest } from './audit-chain.ts';

// The columns a link is made of, as verify reads them.
export const CHAINED_COLUMNS = `id, participant_id, chain_key, chain_seq, code, event_type, request_id, actor, status_before, status_after, lock_policy,
  session_id, created_at, source_ip, device, user_agent, submitted_name_hash, locked_ip_before, locked_ip_after, locked_device_before,
  locked_device_after, reason, details, personal_digest, chain_hash, purged_at, room_id, seat`;

export interface ChainedRowData extends RowDataPacket {
  id: number;
  participant_id: number | null;
  chain_key: string | null;
  chain_seq: number | null;
  code: string;
  event_type: string;
  request_id: string;
  actor: string | null;
  status_before: string | null;
  status_after: string | null;
  lock_policy: string | null;
  session_id: number | null;
  created_at: Date;
  source_ip: string | null;
  device: string | null;
  user_agent: string | null;
  submitted_name_hash: string | null;
  locked_ip_before: string | null;
  locked_ip_after: string | null;
  locked_device_before: string | null;
  locked_device_after: string | null;
  reason: string | null;
  details: string | null;
  personal_digest: Buffer | null;
  chain_hash: Buffer | null;
  purged_at: Date | null;
  room_id: number | null;
  seat: string | null;
}

export interface ChainBreak {
  // The first row that does not fit (or, for a chain cut short, its last row).
  eventIds: number[];
  message: string;
}

// A stored row's content and personal values, as the link hash takes them.
export const chainedContent = (row: ChainedRowData): ChainedContent => ({
  participantId: row.participant_id === null ? null : Number(row.participant_id),
  chainKey: row.chain_key,
  seq: Number(row.chain_seq),
  code: row.code,
  eventType: row.event_type,
  requestId: row.request_id,
  actor: row.actor,
  statusBefore: row.status_before,
  statusAfter: row.status_after,
  lockPolicy: row.lock_policy,
  sessionId: row.session_id === null ? null : Number(row.session_id),
  createdAt: row.created_at,
  roomId: row.room_id === null ? null : Number(row.room_id),
  seat: row.seat,
});

export const personalValues = (row: ChainedRowData): PersonalValues => ({
  sourceIp: row.source_ip,
  device: row.device,
  userAgent: row.user_agent,
  submittedNameHash: row.submitted_name_hash,
  lockedIpBefore: row.locked_ip_before,
  lockedIpAfter: row.locked_ip_after,
  lockedDeviceBefore: row.locked_device_before,
  lockedDeviceAfter: row.locked_device_after,
  reason: row.reason,
  details: row.details,
});

// A purged row that still has what `purge` removes was written after the purge. (Its remaining reason and
// details are no longer covered: the digest was taken over the values purge removed too.)
function keepsPurgedValues(row: ChainedRowData): boolean {
  if (PURGED_COLUMNS.some((column) => row[column] !== null)) return true;
  if (row.reason !== null && reasonIsPurged(row)) return true;
  return row.details !== null && PURGED_DETAIL_KEYS.some((key) => detailKeys(row.details!).includes(key));
}

function detailKeys(details: string): string[] {
  try {
    const parsed: unknown = JSON.parse(details);
    return typeof parsed === 'object' && parsed !== null ? Object.keys(parsed) : [];
  } catch {
    return [];
  }
}

// Walks one chain's rows in position order and returns the first place it breaks: a row whose hash does
// not match its content (edited), a position missing (deleted) or taken twice (inserted), a purged row
// with personal values, or an end that is not the head its owner recorded (the last rows deleted, or a
// row added after them). `rows` are the chain's rows only, in any order. With `sealed`, the head a seal
// recorded: the chain must pass through it, so a chain rewritten (or cut short) before the seal breaks
// here even when it is consistent in itself.
export function verifyChain(label: string, rows: ChainedRowData[], head: ChainLink, sealed?: ChainLink & { at: Date }): ChainBreak | undefined {
  const ordered = [...rows].sort((a, b) => Number(a.chain_seq) - Number(b.chain_seq) || Number(a.id) - Number(b.id));
  let previous: Buffer | null = null;
  let position = 0;
  for (const row of ordered) {
    const id = Number(row.id);
    if (row.chain_seq === null) return { eventIds: [id], message: `${label}: audit row ${id} is not a link of the chain (a row inserted)` };
    const seq = Number(row.chain_seq);
    if (seq === position) return { eventIds: [id], message: `${label}: audit row ${id} takes position ${seq}, which another row already has (a row inserted)` };
    if (seq !== position + 1) {
      return { eventIds: [id], message: `${label}: position${seq - position > 2 ? 's' : ''} ${position + 1}${seq - position > 2 ? `–${seq - 1}` : ''} missing before audit row ${id} (a row deleted)` };
    }
    if (row.personal_digest === null || row.chain_hash === null) return { eventIds: [id], message: `${label}: audit row ${id} has lost its hash` };
    if (row.purged_at === null ? !personalDigest(personalValues(row)).equals(row.personal_digest) : keepsPurgedValues(row)) {
      return { eventIds: [id], message: `${label}: audit row ${id}'s addresses, device, user agent, name, reason or details were changed` };
    }
    const hash = linkHash(previous, chainedContent(row), row.personal_digest);
    if (!hash.equals(row.chain_hash)) return { eventIds: [id], message: `${label}: audit row ${id} does not match its hash (a row edited)` };
    previous = hash;
    position = seq;
    if (sealed && seq === sealed.seq && (sealed.head === null || !hash.equals(sealed.head))) {
      return { eventIds: [id], message: `${label}: rewritten at or before audit row ${id} (position ${seq}), which the seal of ${sealed.at.toISOString()} recorded otherwise` };
    }
  }
  if (sealed && position < sealed.seq) {
    return { eventIds: ordered.at(-1) === undefined ? [] : [Number(ordered.at(-1)!.id)], message: `${label}: ends at position ${position}, the seal of ${sealed.at.toISOString()} recorded ${sealed.seq} (rows deleted)` };
  }
  const lastId = ordered.at(-1) === undefined ? [] : [Number(ordered.at(-1)!.id)];
  if (head.seq > position) return { eventIds: lastId, message: `${label}: ends at position ${position}, its head says ${head.seq} (the last row${head.seq - position > 1 ? 's' : ''} deleted)` };
  if (head.seq < position || (head.head === null ? previous !== null : previous === null || !previous.equals(head.head))) {
    return { eventIds: lastId, message: `${label}: its last row does not match the head recorded for it (a row added at the end, or the head edited)` };
  }
  return undefined;
}
