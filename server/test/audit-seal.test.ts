import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../src/audit/audit-verify.ts';
import { auditActivity } from './support/audit-activity.ts';
import { rewriteParticipantChain } from './support/audit-chains.ts';
import { runCli } from './support/cli-process.ts';
import { useTestEnvironment } from './support/test-server.ts';

// A database of its own: each test leaves the log consistent in itself (what it breaks, only a seal sees).
const env = useTestEnvironment();
const { activity, rowsOf, device } = auditActivity(env);

describe('seals', () => {
  const cli = (...args: string[]) => runCli(args, { env: { DATABASE_URL: env.database.url } });
  const sealDigest = async () => {
    const sealed = await cli('audit', 'seal');
    expect(sealed.code).toBe(0);
    return /Digest: ([0-9a-f]{64})/.exec(sealed.stdout)![1]!;
  };

  it('when a row before the seal is edited and its chain rewritten to match, then plain verify passes but verify --seal names it; later rows do not disturb the seal', async () => {
    const [a, b] = await activity();
    const digest = await sealDigest();
    expect((await device().checkIn(env.server.baseUrl, b!)).status).toBe(200);
    expect((await cli('audit', 'verify', '--seal', digest)).code).toBe(0);

    const [first] = await rowsOf(a!.code);
    await env.database.sql.query("UPDATE audit_events SET source_ip = '10.9.9.9' WHERE id = ?", [first!.id]);
    await rewriteParticipantChain(env.database.sql, a!.code);
    expect((await verifyAuditLog(env.database.db)).violations.filter((violation) => violation.code === a!.code && violation.invariant === 5)).toEqual([]);

    const verified = await cli('audit', 'verify', '--seal', digest);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(new RegExp(`participant ${a!.code}: rewritten at or before audit row \\d+ \\(position 3\\)`));
  });

  it('when a participant is removed with every row of theirs after a seal, then verify --seal says their chain is gone', async () => {
    const [a] = await activity();
    const digest = await sealDigest();
    const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT id FROM participants WHERE code = ?', [a!.code]);
    await env.database.sql.query('DELETE FROM audit_events WHERE code = ?', [a!.code]);
    await env.database.sql.query('DELETE FROM participants WHERE code = ?', [a!.code]);
    expect((await verifyAuditLog(env.database.db)).violations.filter((violation) => violation.message.includes(`participant:${row!.id}`))).toEqual([]);

    const verified = await cli('audit', 'verify', '--seal', digest);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain(`participant:${row!.id}: sealed on`);
    expect(verified.stdout).toContain('now gone');
  });

  it('when the stored seal is edited or the digest is wrong, then verify says so and fails', async () => {
    await activity();
    const digest = await sealDigest();
    await env.database.sql.query('UPDATE audit_seal_heads SET seq = seq + 1 WHERE seal_id = (SELECT id FROM audit_seals WHERE digest = UNHEX(?)) LIMIT 1', [digest]);
    const edited = await cli('audit', 'verify', '--seal', digest);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('no longer matches its digest');
    const unknown = await cli('audit', 'verify', '--seal', 'ab'.repeat(32));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No seal with digest');
  });
});
