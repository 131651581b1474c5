import fc from 'fast-check';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { nameCheck } from '../src/checkin/full-name.ts';
import { auditRows, createParticipant, participantRow } from './support/fixtures.ts';
import { checkIn, deviceAddress } from './support/http-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

// Addresses no other test uses, fresh for every scenario so that failure counts per address never carry over.
let nextDevice = 2000;
const freshDevice = () => deviceAddress(nextDevice++);

type Step = { device: 'A' | 'B'; name: 'exact' | 'reformatted' | 'wrong' } | { expire: true };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ device: fc.constantFrom('A' as const, 'B' as const), name: fc.constantFrom('exact' as const, 'reformatted' as const, 'wrong' as const) }) },
  { weight: 1, arbitrary: fc.constant({ expire: true as const }) },
);

async function nameCheckOf(code: string): Promise<string | null> {
  const [[row]] = await env.database.sql.query<RowDataPacket[]>('SELECT name_check FROM participants WHERE code = ?', [code]);
  return row!.name_check as string | null;
}

// Plays the steps against one participant and returns what an observer sees, with the devices' addresses
// replaced by their roles so that two runs from different addresses compare.
async function play(steps: Step[], options: { guessedRecently: boolean }) {
  const participant = await createParticipant(env.database.sql, { guessedRecently: options.guessedRecently });
  const devices = { A: freshDevice(), B: freshDevice() };
  const role = (ip: string | null) => (ip === devices.A ? 'A' : ip === devices.B ? 'B' : ip);
  const answers: unknown[] = [];
  for (const item of steps) {
    if ('expire' in item) {
      await env.database.sql.query("UPDATE participants SET status = 'expired' WHERE code = ?", [participant.code]);
      continue;
    }
    const fullName = {
      exact: participant.fullName,
      reformatted: `  ${participant.fullName.toUpperCase().replace(/ /g, '   ')} `,
      wrong: `${participant.fullName}x`,
    }[item.name];
    const response = await checkIn(env.server.baseUrl, { code: participant.code, fullName }, devices[item.device], { 'user-agent': 'Paths/1.0' });
    answers.push({
      status: response.status,
      result: response.json?.result ?? response.json?.error?.code,
      participant: response.json?.participant && {
        ...response.json.participant,
        code: response.json.participant.code === participant.code,
        fullName: response.json.participant.fullName === participant.fullName,
        deviceLockedAt: typeof response.json.participant.deviceLockedAt,
      },
    });
  }
  const row = await participantRow(env.database.sql, participant.code);
  const audit = await auditRows(env.database.sql, participant.code);
  const [[summary]] = await env.database.sql.query<RowDataPacket[]>(
    'SELECT refused_attempts, conflict_open, last_refusal_event_id = (SELECT MAX(id) FROM audit_events WHERE code = ? AND event_type = ?) AS last_refusal_is_latest FROM participants WHERE code = ?',
    [participant.code, 'device_conflict', participant.code],
  );
  return {
    answers,
    row: { status: row.status, lockedBy: role(row.locked_ip), locked: row.device_locked_at !== null, entered: row.entered_at !== null },
    summary: { ...summary },
    audit: audit.map((event) => {
      const e = event as RowDataPacket;
      return [e.event_type, role(e.source_ip), e.user_agent, e.status_before, e.status_after, role(e.locked_ip_before), role(e.locked_ip_after), e.submitted_name_hash !== null];
    }),
  };
}

describe('who decides a check-in', () => {
  it('when any sequence of attempts is decided by the database procedure or by the application, then answers, rows and audit are the same', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 7 }), async (steps) => {
        const byDatabase = await play(steps, { guessedRecently: false });
        const byApplication = await play(steps, { guessedRecently: true });
        expect(byDatabase).toEqual(byApplication);
      }),
      { numRuns: 25 },
    );
  });

  it('when the user agent is longer than 512 characters, then both paths store its first 512', async () => {
    const byDatabase = await createParticipant(env.database.sql);
    const byApplication = await createParticipant(env.database.sql, { guessedRecently: true });
    const userAgent = `Long/${'x'.repeat(600)}`;

    for (const participant of [byDatabase, byApplication]) {
      expect((await checkIn(env.server.baseUrl, participant, freshDevice(), { 'user-agent': userAgent })).status).toBe(200);
    }

    for (const participant of [byDatabase, byApplication]) {
      expect((await auditRows(env.database.sql, participant.code)).map((event) => event.user_agent)).toEqual([userAgent.slice(0, 512)]);
    }
  });

  it('when a participant has no name check (added before it existed), then the first check-in is decided by the application and stores it', async () => {
    const participant = await createParticipant(env.database.sql, { nameCheck: false });
    const device = freshDevice();

    const first = await checkIn(env.server.baseUrl, participant, device);
    const again = await checkIn(env.server.baseUrl, participant, device);

    expect([first.status, first.json.result, again.status, again.json.result]).toEqual([200, 'checked_in', 200, 'reentered']);
    expect(await nameCheckOf(participant.code)).toBe(nameCheck(participant.fullName));
  });

  it('when the name was changed without its name check, then the old name is no longer recognised and the new one is, and the check is repaired', async () => {
    const participant = await createParticipant(env.database.sql);
    const renamed = `${participant.fullName} Renamed`;
    await env.database.sql.query('UPDATE participants SET full_name = ? WHERE code = ?', [renamed, participant.code]);
    const device = freshDevice();

    const oldName = await checkIn(env.server.baseUrl, participant, device);
    const newName = await checkIn(env.server.baseUrl, { code: participant.code, fullName: renamed }, device);

    expect([oldName.status, oldName.json.error?.code]).toEqual([403, 'not_recognised']);
    expect([newName.status, newName.json.result]).toEqual([200, 'checked_in']);
    expect(await nameCheckOf(participant.code)).toBe(nameCheck(renamed));
    expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe(device);
  });
});
