import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { type Violation, verifyAuditLog } from '../src/audit/audit-verify.ts';
import { unknownCodeChain } from '../src/audit/audit-chain.ts';
import { auditActivity } from './support/audit-activity.ts';
import { createParticipants } from './support/fixtures.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
const { activity, rowsOf, device } = auditActivity(env);

async function chainViolations(): Promise<Violation[]> {
  return (await verifyAuditLog(env.database.db)).violations.filter((violation) => violation.invariant === 5);
}

describe('the tamper-evident audit log', () => {
  it('when every kind of event has been written, then each row is a link of its chain and the log verifies', async () => {
    const [a] = await activity();
    const report = await verifyAuditLog(env.database.db);
    expect(report.violations).toEqual([]);
    expect(report.unchained).toBe(0);
    const [[unlinked]] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM audit_events WHERE chain_hash IS NULL OR chain_seq IS NULL');
    expect(Number(unlinked!.n)).toBe(0);
    expect((await rowsOf(a!.code)).map((row) => row.chain_seq)).toEqual([1, 2, 3]);
    const [chains] = await env.database.sql.query<RowDataPacket[]>("SELECT chain_key, seq FROM audit_chains WHERE seq > 0 ORDER BY chain_key");
    expect(chains.map((chain) => chain.chain_key)).toEqual(expect.arrayContaining(['sessions', unknownCodeChain('NOPE-0001')]));
  });

  it('when a row is edited with SQL, then verify names it', async () => {
    const [a] = await activity();
    const [, second] = await rowsOf(a!.code);
    await env.database.sql.query("UPDATE audit_events SET event_type = 'checked_in' WHERE id = ?", [second!.id]);
    const violations = await chainViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ code: a!.code, eventIds: [second!.id] });
    expect(violations[0]!.message).toContain('does not match its hash');
    await env.database.sql.query("UPDATE audit_events SET event_type = 'reentered' WHERE id = ?", [second!.id]);
    expect(await chainViolations()).toEqual([]);
  });

  it('when an address, a device or a reason is edited, then verify names the row', async () => {
    const [a] = await activity();
    const [first] = await rowsOf(a!.code);
    await env.database.sql.query("UPDATE audit_events SET source_ip = '10.9.9.9', locked_ip_after = '10.9.9.9' WHERE id = ?", [first!.id]);
    const violations = await chainViolations();
    expect(violations.map((violation) => violation.eventIds)).toEqual([[first!.id]]);
    expect(violations[0]!.message).toContain('addresses, device');
  });

  it('when a row in the middle or at the end is deleted, then verify names where the chain breaks', async () => {
    const [a, b] = await activity();
    const [, middle, last] = await rowsOf(a!.code);
    await env.database.sql.query('DELETE FROM audit_events WHERE id = ?', [middle!.id]);
    const bRows = await rowsOf(b!.code);
    await env.database.sql.query('DELETE FROM audit_events WHERE id = ?', [bRows.at(-1)!.id]);
    const violations = await chainViolations();
    expect(violations.find((violation) => violation.code === a!.code)).toMatchObject({ eventIds: [last!.id], message: expect.stringContaining('position 2 missing before') });
    expect(violations.find((violation) => violation.code === b!.code)).toMatchObject({ eventIds: [bRows.at(-2)!.id], message: expect.stringContaining('deleted') });
  });

  it('when a row is inserted with SQL, then verify names it', async () => {
    const [a] = await activity();
    const [first] = await rowsOf(a!.code);
    const [inserted] = await env.database.sql.query<import('mysql2/promise').ResultSetHeader>(
      `INSERT INTO audit_events (participant_id, code, event_type, source_ip, request_id, status_before, status_after, created_at, chain_seq, personal_digest, chain_hash)
       SELECT participant_id, code, 'reentered', source_ip, 'forged', status_after, status_after, created_at, chain_seq + 1, personal_digest, chain_hash FROM audit_events WHERE id = ?`,
      [first!.id],
    );
    const [bare] = await env.database.sql.query<import('mysql2/promise').ResultSetHeader>(
      "INSERT INTO audit_events (code, event_type, request_id, created_at) VALUES ('NOPE-0009', 'not_recognised', 'forged-2', UTC_TIMESTAMP(3))",
    );
    const violations = await chainViolations();
    expect(violations.find((violation) => violation.code === a!.code)!.eventIds).toEqual([inserted.insertId]);
    expect(violations.find((violation) => violation.eventIds[0] === bare.insertId)!.message).toContain('belongs to no chain');
  });

  it('when an attempt on an unknown code or a session change is edited, then verify names it', async () => {
    await activity();
    const [[guess]] = await env.database.sql.query<RowDataPacket[]>("SELECT id FROM audit_events WHERE code = 'NOPE-0002'");
    const [[change]] = await env.database.sql.query<RowDataPacket[]>("SELECT id FROM audit_events WHERE event_type = 'session_changed' ORDER BY id DESC LIMIT 1");
    await env.database.sql.query("UPDATE audit_events SET created_at = created_at + INTERVAL 1 HOUR WHERE id = ?", [guess!.id]);
    await env.database.sql.query("UPDATE audit_events SET actor = 'someone else' WHERE id = ?", [change!.id]);
    const named = (await chainViolations()).map((violation) => violation.eventIds[0]);
    expect(named).toEqual(expect.arrayContaining([Number(guess!.id), Number(change!.id)]));
  });

  it('when a participant row is deleted, then verify names each of the audit rows it leaves behind', async () => {
    const [a] = await activity();
    const rows = await rowsOf(a!.code);
    await env.database.sql.query('DELETE FROM participants WHERE code = ?', [a!.code]);
    const violations = await chainViolations();
    expect(violations.flatMap((violation) => violation.eventIds)).toEqual(expect.arrayContaining(rows.map((row) => row.id)));
  });

  it('when check-ins, wrong names and unknown codes race from 260 devices, then every chain stays whole', async () => {
    // The tests before this one broke chains on purpose; the race must add no break of its own.
    const before = (await verifyAuditLog(env.database.db)).violations;
    const participants = await createParticipants(env.database.sql, 20, { session: { lockPolicy: 'device' } });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const participant = participants[i % participants.length]!;
        const body = i % 10 === 9 ? { code: `NOPE-${1000 + (i % 3)}`, fullName: 'Nobody' } : i % 10 === 8 ? { code: participant.code, fullName: 'Wrong Name' } : participant;
        return device().checkIn(env.server.baseUrl, body);
      }),
    );
    // A guessing burst: three codes that do not exist, so three chains written 20 times at once each.
    await Promise.all(Array.from({ length: 60 }, (_, i) => device().checkIn(env.server.baseUrl, { code: `NOPE-${2000 + (i % 3)}`, fullName: 'Nobody' })));
    const after = (await verifyAuditLog(env.database.db)).violations;
    expect(after).toEqual(before);
    const [[rows]] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM audit_events WHERE code IN (?) OR code LIKE ? OR code LIKE ?', [participants.map((p) => p.code), 'NOPE-100%', 'NOPE-200%']);
    expect(Number(rows!.n)).toBe(260);
  });
});
