import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { type Database, type SqlHandle, withTransaction } from '../lib/database.ts';
import { NotFoundError } from '../lib/errors.ts';
import type { ChainLink } from './audit-chain.ts';

// A seal is the head of every chain at one moment, and one digest over them all. Kept outside the database
// (printed, mailed, filed with the exam's papers), the digest is what a database administrator cannot
// rewrite: `audit verify --seal <digest>` finds the seal's heads by it, checks that they still hash to it,
// and that every sealed chain still passes through its sealed head. So nothing written before the seal
// can have changed, been removed (a whole participant with all their rows included) or been slipped in;
// what was written after the last seal kept elsewhere is only as safe as the database.

export const participantChain = (participantId: number) => `participant:${participantId}`;

export interface Seal {
  id: number;
  sealedAt: Date;
  digest: Buffer;
  chains: number;
  events: number;
}

export interface SealedHeads extends Seal {
  heads: Map<string, ChainLink>;
  // False when the stored heads no longer hash to the digest: they were changed, and prove nothing.
  intact: boolean;
}

const HEAD_BATCH = 1000;

function digestOf(sealedAt: Date, heads: Map<string, ChainLink>): Buffer {
  const hash = createHash('sha256').update(`examgate audit seal ${sealedAt.toISOString()}\n`);
  for (const chain of [...heads.keys()].sort()) {
    const head = heads.get(chain)!;
    hash.update(`${chain} ${head.seq} ${head.head!.toString('hex')}\n`);
  }
  return hash.digest();
}

// The heads as one consistent snapshot: every chain as some single moment left it.
async function currentHeads(handle: SqlHandle): Promise<{ sealedAt: Date; heads: Map<string, ChainLink> }> {
  await handle.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await handle.run('START TRANSACTION WITH CONSISTENT SNAPSHOT');
  try {
    const [clock] = await handle.rows<RowDataPacket & { now: Date }>('SELECT UTC_TIMESTAMP(3) AS now');
    const heads = new Map<string, ChainLink>();
    const participants = await handle.rows<RowDataPacket & { id: number; chain_seq: number; chain_head: Buffer }>('SELECT id, chain_seq, chain_head FROM participants WHERE chain_seq > 0');
    for (const row of participants) heads.set(participantChain(Number(row.id)), { seq: Number(row.chain_seq), head: row.chain_head });
    const others = await handle.rows<RowDataPacket & { chain_key: string; seq: number; head: Buffer }>('SELECT chain_key, seq, head FROM audit_chains WHERE seq > 0');
    for (const row of others) heads.set(row.chain_key, { seq: Number(row.seq), head: row.head });
    return { sealedAt: clock!.now, heads };
  } finally {
    await handle.run('COMMIT');
  }
}

export async function sealAuditLog(db: Database): Promise<Seal> {
  const { sealedAt, heads } = await db.read(currentHeads);
  const digest = digestOf(sealedAt, heads);
  const events = [...heads.values()].reduce((sum, head) => sum + head.seq, 0);
  const id = await withTransaction(db, async (tx) => {
    const seal = await tx.run('INSERT INTO audit_seals (sealed_at, digest, chains, events) VALUES (?, ?, ?, ?)', [sealedAt, digest, heads.size, events]);
    const rows = [...heads];
    for (let start = 0; start < rows.length; start += HEAD_BATCH) {
      const batch = rows.slice(start, start + HEAD_BATCH);
      await tx.run(
        `INSERT INTO audit_seal_heads (seal_id, chain, seq, head) VALUES ${batch.map(() => '(?, ?, ?, ?)').join(', ')}`,
        batch.flatMap(([chain, head]) => [seal.insertId, chain, head.seq, head.head]),
      );
    }
    return seal.insertId;
  });
  return { id, sealedAt, digest, chains: heads.size, events };
}

// The seal a digest names, its heads checked against the digest: a seal whose stored heads were edited
// no longer hashes to what was kept elsewhere (`intact` false).
export async function sealByDigest(handle: SqlHandle, digestHex: string): Promise<SealedHeads> {
  const digest = Buffer.from(digestHex, 'hex');
  const [seal] = digest.length === 32 ? await handle.rows<RowDataPacket & { id: number; sealed_at: Date; chains: number; events: number }>('SELECT id, sealed_at, chains, events FROM audit_seals WHERE digest = ?', [digest]) : [];
  if (!seal) throw new NotFoundError(`No seal with digest ${digestHex} in this database: it was deleted, or the digest is mistyped.`);
  const rows = await handle.rows<RowDataPacket & { chain: string; seq: number; head: Buffer }>('SELECT chain, seq, head FROM audit_seal_heads WHERE seal_id = ?', [seal.id]);
  const heads = new Map(rows.map((row) => [row.chain, { seq: Number(row.seq), head: row.head }]));
  const intact = digestOf(seal.sealed_at, heads).equals(digest);
  return { id: Number(seal.id), sealedAt: seal.sealed_at, digest, chains: Number(seal.chains), events: Number(seal.events), heads, intact };
}
