import type { RowDataPacket } from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECEIPT_ALPHABET } from '../../contracts/receipt.ts';
import { runCli } from './support/cli-process.ts';
import { createParticipants, type TestParticipant } from './support/fixtures.ts';
import { deviceAddress, request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { receiptCode } from '../src/receipts/receipt-code.ts';
import { startTestServer, type TestServer, useTestEnvironment } from './support/test-server.ts';

// A network switch within the copy window would be refused as a copied key; this file is about receipts.
const env = useTestEnvironment({ DEVICE_KEY_COPY_WINDOW_S: 0 });
const RECEIPT_SHAPE = new RegExp(`^[${RECEIPT_ALPHABET}]{5}-[${RECEIPT_ALPHABET}]{5}$`);
let nextDevice = 0;
const device = () => new TestDevice(deviceAddress(600 + nextDevice++));

async function participant(): Promise<TestParticipant> {
  const [one] = await createParticipants(env.database.sql, 1, { session: { lockPolicy: 'device' } });
  return one!;
}

async function checkInRow(code: string, type = 'checked_in'): Promise<{ id: number; source_ip: string; device: string }> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT id, source_ip, device FROM audit_events WHERE code = ? AND event_type = ? ORDER BY id DESC LIMIT 1', [code, type]);
  return { id: Number(row!.id), source_ip: row!.source_ip, device: row!.device };
}

const verifyReceipt = (receipt: string) => runCli(['receipt', 'verify', receipt], { env: { DATABASE_URL: env.database.url } });

describe('check-in receipts', () => {
  it('when a device checks in, then it gets a receipt of ten unambiguous characters; a re-entry and a network switch show the same one, a new lock another', async () => {
    const p = await participant();
    const laptop = device();

    const first = await laptop.checkIn(env.server.baseUrl, p);
    expect(first.status).toBe(200);
    expect(first.json.receipt).toMatch(RECEIPT_SHAPE);

    const again = await laptop.checkIn(env.server.baseUrl, p);
    expect(again.json.result).toBe('reentered');
    expect(again.json.receipt).toBe(first.json.receipt);
    const moved = await laptop.movedTo(deviceAddress(650)).checkIn(env.server.baseUrl, p);
    expect(moved.status).toBe(200);
    expect(moved.json.receipt).toBe(first.json.receipt);

    const other = await device().checkIn(env.server.baseUrl, p);
    expect(other.status).toBe(409);
    expect(other.json.receipt).toBeUndefined();

    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    expect((await proctor.post(`/api/proctor/participants/${p.code}/reset-lock`, { reason: 'new laptop', expectedIp: deviceAddress(650) })).status).toBe(200);
    const replacement = await device().checkIn(env.server.baseUrl, p);
    expect(replacement.status).toBe(200);
    expect(replacement.json.receipt).toMatch(RECEIPT_SHAPE);
    expect(replacement.json.receipt).not.toBe(first.json.receipt);
  });

  it('when a proctor looks up a receipt, however it is typed, then they get the check-in it names and whether it still holds the lock', async () => {
    const p = await participant();
    const laptop = device();
    const { receipt } = (await laptop.checkIn(env.server.baseUrl, p)).json as { receipt: string };
    const row = await checkInRow(p.code);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);

    const found = await proctor.get(`/api/proctor/receipts/${encodeURIComponent(` ${receipt.toLowerCase().replace('-', ' ')} `)}`);

    expect(found.status).toBe(200);
    expect(found.json).toEqual({
      receipt: receipt.replace('-', ''),
      participant: { code: p.code, fullName: p.fullName, sessionId: p.sessionId, sessionName: expect.any(String) },
      auditEvent: { id: row.id, type: 'checked_in', at: expect.any(String), sourceIp: laptop.ip, device: row.device },
      holdsLock: true,
    });

    expect((await proctor.post(`/api/proctor/participants/${p.code}/reset-lock`, { reason: 'r', expectedIp: laptop.ip })).status).toBe(200);
    const afterReset = await proctor.get(`/api/proctor/receipts/${receipt}`);
    expect(afterReset.json.holdsLock).toBe(false);
    expect(afterReset.json.auditEvent.id).toBe(row.id);
  });

  it('when a lock is moved to a device by a proctor, then that device\'s receipt names the move', async () => {
    const p = await participant();
    const holder = device();
    const successor = device();
    expect((await holder.checkIn(env.server.baseUrl, p)).status).toBe(200);
    expect((await successor.checkIn(env.server.baseUrl, p)).status).toBe(409);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    const refused = await checkInRow(p.code, 'device_conflict');
    const moved = await proctor.post(`/api/proctor/participants/${p.code}/transfer-lock`, { toAttempt: refused.id, reason: 'broken screen', expectedIp: holder.ip });
    expect(moved.status).toBe(200);

    const back = await successor.checkIn(env.server.baseUrl, p);

    expect(back.status).toBe(200);
    const found = await proctor.get(`/api/proctor/receipts/${back.json.receipt}`);
    expect(found.status).toBe(200);
    expect(found.json.auditEvent).toMatchObject({ id: (await checkInRow(p.code, 'lock_transferred')).id, type: 'lock_transferred' });
    expect(found.json.holdsLock).toBe(true);
  });

  it('when a receipt is unknown, made up in the table, malformed or asked for without a login, then 404, 404, 400 and 401 with the error envelope', async () => {
    const p = await participant();
    expect((await device().checkIn(env.server.baseUrl, p)).status).toBe(200);
    const proctor = await logInProctor(env.server.baseUrl, env.database.db);
    await env.database.sql.query("INSERT INTO check_in_receipts (participant_id, granted_at, receipt) SELECT id, UTC_TIMESTAMP(3), 'ABCDEFGHJK' FROM participants WHERE code = ?", [p.code]);

    const unknown = await proctor.get('/api/proctor/receipts/2345678923');
    const forged = await proctor.get('/api/proctor/receipts/ABCDE-FGHJK');
    const malformed = await proctor.get('/api/proctor/receipts/O0I1L');
    const anonymous = await request(`${env.server.baseUrl}/api/proctor/receipts/2345678923`);

    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toEqual({ code: 'not_found', message: 'No check-in has this receipt.' });
    expect(forged.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('invalid_input');
    expect(anonymous.status).toBe(401);
  });

  it('when the CLI verifies a receipt, then it names the check-in and says what it proves; a row made up, or an audit row edited afterwards, exits 1', async () => {
    const p = await participant();
    const laptop = device();
    const { receipt } = (await laptop.checkIn(env.server.baseUrl, p)).json as { receipt: string };
    const row = await checkInRow(p.code);

    const genuine = await verifyReceipt(receipt.toLowerCase());

    expect(genuine.code).toBe(0);
    expect(genuine.stdout).toContain(`Receipt ${receipt}: ${p.fullName} (${p.code})`);
    expect(genuine.stdout).toContain(`Genuine: checked in at `);
    expect(genuine.stdout).toContain(`(${laptop.ip}, device ${row.device}), audit row ${row.id}.`);
    expect(genuine.stdout).toContain('That device still holds the lock.');
    expect(genuine.stdout).toContain("The audit row is intact in the participant's hash chain.");
    expect(genuine.stdout).toContain('It does not prove who sat at the device.');

    await env.database.sql.query("INSERT INTO check_in_receipts (participant_id, granted_at, receipt) SELECT id, UTC_TIMESTAMP(3), 'KKKKKMMMMM' FROM participants WHERE code = ?", [p.code]);
    const madeUp = await verifyReceipt('KKKKK-MMMMM');
    expect(madeUp.code).toBe(1);
    expect(madeUp.stdout).toContain('NOT GENUINE');

    await env.database.sql.query('UPDATE audit_events SET source_ip = ? WHERE id = ?', ['127.0.99.99', row.id]);
    const edited = await verifyReceipt(receipt);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain(`The participant's hash chain does not verify: participant ${p.code}: audit row ${row.id}'s addresses`);

    const nothing = await verifyReceipt('22222-22222');
    expect(nothing.code).toBe(1);
    expect(nothing.stdout).toContain('names no check-in');
    const bad = await verifyReceipt('hello');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a receipt');
  });
});

describe('receipts with RECEIPT_KEY', () => {
  const key = randomBytes(32).toString('base64');
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(env.database.db, { RECEIPT_KEY: key, DEVICE_KEY_COPY_WINDOW_S: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('when the key is configured, then receipts are made with it, and only a CLI given the same key calls them genuine', async () => {
    const p = await participant();
    const answer = await device().checkIn(server.baseUrl, p);
    expect(answer.status).toBe(200);
    const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT id, device_locked_at FROM participants WHERE code = ?', [p.code]);

    expect(answer.json.receipt.replace('-', '')).toBe(receiptCode(Buffer.from(key, 'base64'), Number(row!.id), row!.device_locked_at));

    const withKey = await runCli(['receipt', 'verify', answer.json.receipt], { env: { DATABASE_URL: env.database.url, RECEIPT_KEY: key } });
    expect(withKey.code).toBe(0);
    expect(withKey.stdout).toContain('only RECEIPT_KEY, kept outside the database, makes receipts');
    const withoutKey = await verifyReceipt(answer.json.receipt);
    expect(withoutKey.code).toBe(1);
    expect(withoutKey.stdout).toContain('NOT GENUINE');
  });
});
