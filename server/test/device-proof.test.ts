import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { DEVICE_CHALLENGE_LIFETIME_S, DEVICE_CHALLENGE_META } from '../../contracts/device-proof.ts';
import { deviceKeyKind, type LockPolicy } from '../../contracts/lock-policy.ts';
import { deviceScope } from '../src/attempts/attempt-scopes.ts';
import { boundKeyHash, DEVICE_COOKIE, DeviceKeys } from '../src/devices/device-keys.ts';
import { clientPage } from '../src/lib/client-page.ts';
import { auditRows, createParticipant, participantRow, timePasses } from './support/fixtures.ts';
import { request, TestDevice } from './support/http-client.ts';
import { logInProctor } from './support/proctor-client.ts';
import { ProvenDevice } from './support/proven-device.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();
let nextAddress = 1;
// Each test gets addresses nobody else uses: 127.0.140.x and up.
const address = () => `127.0.${140 + Math.floor(nextAddress / 250)}.${1 + (nextAddress++ % 250)}`;
const participantUnder = (lockPolicy: LockPolicy = 'device') => createParticipant(env.database.sql, { session: { lockPolicy } });
const base = () => env.server.baseUrl;

async function failuresOfDevice(device: string): Promise<number> {
  const [rows] = await env.database.sql.query<RowDataPacket[]>('SELECT COALESCE(SUM(failures), 0) AS n FROM attempt_failures WHERE scope = ?', [deviceScope(device)]);
  return Number(rows[0]!.n);
}

// A challenge as the server would issue it, expiring at `expiresS`: the tests' way to an expired one.
async function challengeExpiringAt(expiresS: number, nonce = 'A'.repeat(22)): Promise<string> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>("SELECT value FROM app_secrets WHERE name = 'device_keys'");
  const body = `${expiresS.toString(36)}.${nonce}`;
  return `${body}.${createHmac('sha256', row!.value as Buffer).update(`challenge.${body}`).digest().subarray(0, 16).toString('base64url')}`;
}

describe('proof of possession', () => {
  it('when a browser signs its check-in, then its public key is the device: the lock names it as a bound key, no cookie is needed, and the answer carries the next challenge', async () => {
    const participant = await participantUnder();
    const laptop = new ProvenDevice(address());

    const first = await laptop.checkIn(base(), participant);

    expect(first.status).toBe(200);
    expect(first.json.result).toBe('checked_in');
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.json.nextChallenge.expiresInS).toBe(DEVICE_CHALLENGE_LIFETIME_S);
    const row = await participantRow(env.database.sql, participant.code);
    expect(row.locked_device).toBe(boundKeyHash(laptop.publicKey.x, laptop.publicKey.y));
    expect(deviceKeyKind(row.locked_device as string)).toBe('bound');
    // The page's refresh: signed with the challenge handed out with the first answer.
    const again = await laptop.checkIn(base(), participant);
    expect(again.status).toBe(200);
    expect(again.json.result).toBe('reentered');
  });

  it('when a second machine has the first one’s cookie and public key but not its private key, then it is refused, audited and counted, and the lock stays', async () => {
    const participant = await participantUnder();
    const laptop = new ProvenDevice(address());
    expect((await laptop.checkIn(base(), participant)).status).toBe(200);
    const friend = new ProvenDevice(address());
    for (const [name, value] of laptop.cookies) friend.cookies.set(name, value);

    // The friend signs with its own private key, under the laptop's public key.
    const body = { ...participant, proof: friend.prove('check-in', await friend.challenge(base()), participant, laptop.publicKey) };
    const copied = await friend.send(`${base()}/api/check-in`, { json: body });

    expect(copied.status).toBe(403);
    expect(copied.json.error.code).toBe('device_proof_invalid');
    const row = await participantRow(env.database.sql, participant.code);
    expect(row.locked_device).toBe(boundKeyHash(laptop.publicKey.x, laptop.publicKey.y));
    expect(row.locked_ip).toBe(laptop.ip);
    const [refusal] = (await auditRows(env.database.sql, participant.code)).filter((event) => event.event_type === 'device_proof_refused');
    expect(refusal).toMatchObject({ source_ip: friend.ip, reason: 'bad_signature', lock_policy: 'device' });
    // Counted against the friend's own cookie key, never against the key it claimed.
    expect(deviceKeyKind(refusal!.device as string)).toBe('cookie');
    expect(await failuresOfDevice(refusal!.device as string)).toBe(1);
    expect(await failuresOfDevice(boundKeyHash(laptop.publicKey.x, laptop.publicKey.y))).toBe(0);
  });

  it('when a second machine sends the first one’s cookie without any proof, then it is another device under device', async () => {
    const participant = await participantUnder();
    const laptop = new ProvenDevice(address());
    // The laptop got a cookie key on an earlier visit (a check-in refused before the page had its key pair).
    await laptop.send(`${base()}/api/check-in`, { json: { code: participant.code, fullName: 'Somebody Else' } });
    expect(laptop.cookies.has(DEVICE_COOKIE)).toBe(true);
    expect((await laptop.checkIn(base(), participant)).status).toBe(200);
    const friend = new TestDevice(address());
    friend.cookies.set(DEVICE_COOKIE, laptop.cookies.get(DEVICE_COOKIE)!);
    await timePasses(env.database.sql, participant.code);

    const copied = await friend.checkIn(base(), participant);

    expect(copied.status).toBe(409);
    expect(copied.json.error.code).toBe('locked_to_another_device');
  });

  it('when a signed request is replayed, then it is refused as replayed; sent twice at the same instant, exactly one is let in', async () => {
    for (const sameInstant of [false, true]) {
      const participant = await participantUnder();
      const laptop = new ProvenDevice(address());
      const body = await laptop.signedBody(base(), participant);
      const senders = [laptop, new TestDevice(address())];

      const answers = sameInstant
        ? await Promise.all(senders.map((sender) => sender.send(`${base()}/api/check-in`, { json: body })))
        : [await senders[0]!.send(`${base()}/api/check-in`, { json: body }), await senders[1]!.send(`${base()}/api/check-in`, { json: body })];

      expect(answers.map((answer) => answer.status).sort(), `same instant: ${sameInstant}`).toEqual([200, 403]);
      expect(answers.find((answer) => answer.status === 403)!.json.error.code).toBe('device_proof_invalid');
      const events = await auditRows(env.database.sql, participant.code);
      expect(events.map((event) => [event.event_type, event.reason]).sort()).toEqual([
        ['checked_in', null],
        ['device_proof_refused', 'replayed'],
      ]);
      const [spent] = await env.database.sql.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM device_challenges_used WHERE nonce = ?', [body.proof.challenge.split('.')[1]]);
      expect(Number(spent[0]!.n)).toBe(1);
    }
  });

  it('when the signature covers another request (another code, another name, or a device-change request), then it does not hold', async () => {
    const participant = await participantUnder();
    const other = await participantUnder();
    const laptop = new ProvenDevice(address());
    const signedFor = [
      { ...participant, proof: laptop.prove('check-in', await laptop.challenge(base()), other) },
      { ...participant, proof: laptop.prove('check-in', await laptop.challenge(base()), { ...participant, fullName: `${participant.fullName} Jr` }) },
      { ...participant, proof: laptop.prove('device-change', await laptop.challenge(base()), participant) },
    ];

    for (const body of signedFor) {
      const response = await laptop.send(`${base()}/api/check-in`, { json: body });
      expect(response.status).toBe(403);
      expect(response.json.error.code).toBe('device_proof_invalid');
    }
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
  });

  it('when the challenge is forged, then the proof does not hold; when it has expired, then the page is told to fetch another and nothing is written', async () => {
    const participant = await participantUnder();
    const laptop = new ProvenDevice(address());
    const forged = `${(Math.floor(Date.now() / 1000) + 60).toString(36)}.${'B'.repeat(22)}.${'C'.repeat(22)}`;

    const withForged = await laptop.send(`${base()}/api/check-in`, { json: { ...participant, proof: laptop.prove('check-in', forged, participant) } });
    expect(withForged.status).toBe(403);
    const expired = await challengeExpiringAt(Math.floor(Date.now() / 1000) - 1);
    const withExpired = await laptop.send(`${base()}/api/check-in`, { json: { ...participant, proof: laptop.prove('check-in', expired, participant) } });

    expect(withExpired.status).toBe(400);
    expect(withExpired.json.error.code).toBe('device_proof_stale');
    expect((await auditRows(env.database.sql, participant.code)).map((event) => [event.event_type, event.reason])).toEqual([['device_proof_refused', 'bad_challenge']]);
    expect((await laptop.checkIn(base(), participant)).status).toBe(200);
  });

  it('when the proof is malformed (a point off the curve, a short signature, a wrong curve), then the answer is a 400 or a 403 naming it, never a 500', async () => {
    const participant = await participantUnder();
    const laptop = new ProvenDevice(address());
    const good = await laptop.signedBody(base(), participant);
    const variants = [
      { ...good, proof: { ...good.proof, publicKey: { ...good.proof.publicKey, y: good.proof.publicKey.x } } },
      { ...good, proof: { ...good.proof, signature: 'abc' } },
      { ...good, proof: { ...good.proof, publicKey: { ...good.proof.publicKey, crv: 'P-384' } } },
      { ...good, proof: 'yes' },
    ];
    for (const body of variants) {
      const response = await request(`${base()}/api/check-in`, { json: body, localAddress: laptop.ip });
      expect([400, 403], JSON.stringify(body.proof).slice(0, 80)).toContain(response.status);
      expect(['invalid_input', 'device_proof_invalid']).toContain(response.json.error.code);
    }
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBeNull();
  });

  it('when the bound browser moves to another network, then it is let in under device and refused under device_and_address', async () => {
    for (const [lockPolicy, status] of [['device', 200], ['device_and_address', 409]] as const) {
      const participant = await participantUnder(lockPolicy);
      const laptop = new ProvenDevice(address());
      expect((await laptop.checkIn(base(), participant)).status).toBe(200);
      await timePasses(env.database.sql, participant.code);

      const moved = laptop.movedTo(address());
      const answer = await moved.checkIn(base(), participant);

      expect(answer.status, lockPolicy).toBe(status);
      if (status === 200) expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe(moved.ip);
    }
  });

  it('when two bound browsers press check in at the same instant, then exactly one holds the lock', async () => {
    const participant = await participantUnder();
    const devices = Array.from({ length: 6 }, () => new ProvenDevice(address()));
    const bodies = await Promise.all(devices.map((device) => device.signedBody(base(), participant)));

    const answers = await Promise.all(devices.map((device, index) => device.send(`${base()}/api/check-in`, { json: bodies[index] })));

    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(5);
  });

  it('when a bound browser asks for a device change, then the request names its bound key, and the dashboard shows each device’s kind of key', async () => {
    const participant = await participantUnder();
    const holder = new TestDevice(address());
    expect((await holder.checkIn(base(), participant)).status).toBe(200);
    const laptop = new ProvenDevice(address());
    expect((await laptop.checkIn(base(), participant)).status).toBe(409);

    const asked = await laptop.askForDeviceChange(base(), participant);

    expect(asked.status).toBe(201);
    const proctor = await logInProctor(base(), env.database.db);
    const list = await proctor.get(`/api/proctor/participants?session=${participant.sessionId}`);
    const [view] = list.json.participants;
    expect(deviceKeyKind(view.lockedDevice)).toBe('cookie');
    expect(deviceKeyKind(view.pendingRequest.requesterDevice)).toBe('bound');
    expect(deviceKeyKind(view.lastRefused.device)).toBe('bound');
  });

  it('when a browser checked in with its cookie key and its page then signs (an upgrade mid-exam), then it is still the holder; another signed browser is not', async () => {
    const participant = await participantUnder();
    const laptop = new ProvenDevice(address());
    const before = await laptop.send(`${base()}/api/check-in`, { json: participant });
    expect(before.status).toBe(200);
    const cookieLock = (await participantRow(env.database.sql, participant.code)).locked_device as string;
    expect(deviceKeyKind(cookieLock)).toBe('cookie');

    const signed = await laptop.checkIn(base(), participant);
    const stranger = await new ProvenDevice(laptop.ip).checkIn(base(), participant);

    expect(signed.status).toBe(200);
    expect(signed.json.result).toBe('reentered');
    expect(stranger.status).toBe(409);
    expect((await participantRow(env.database.sql, participant.code)).locked_device).toBe(cookieLock);
  });

  it('when the page is loaded, then each copy carries a fresh challenge that the page can sign with, once, and is not cached', async () => {
    const clientDir = await mkdtemp(path.join(os.tmpdir(), 'examgate-page-'));
    await writeFile(path.join(clientDir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
    const devices = new DeviceKeys(env.database.db);
    const pages = express().use(clientPage(clientDir, { issueChallenge: () => devices.issueChallenge(), roomCodesAsked: () => Promise.resolve(false) }));
    const listener = pages.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    try {
      const pageUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/start`;
      const [first, second] = [await request(pageUrl), await request(pageUrl)];
      const challengeIn = (html: string) => new RegExp(`<meta name="${DEVICE_CHALLENGE_META}" content="([^"]+)" data-expires-in="${DEVICE_CHALLENGE_LIFETIME_S}" /></head>`).exec(html)?.[1];
      expect(first.headers['cache-control']).toBe('no-store');
      expect(challengeIn(first.text)).toBeDefined();
      expect(challengeIn(first.text)).not.toBe(challengeIn(second.text));

      const participant = await participantUnder();
      const laptop = new ProvenDevice(address());
      const body = { ...participant, proof: laptop.prove('check-in', challengeIn(first.text)!, participant) };
      expect((await laptop.send(`${base()}/api/check-in`, { json: body })).status).toBe(200);
      expect((await laptop.send(`${base()}/api/check-in`, { json: body })).status).toBe(403);
    } finally {
      listener.close();
    }
  });
});
