import { describe, expect, it } from 'vitest';
import { auditRows, createParticipants, participantRow } from './support/fixtures.ts';
import { checkIn, deviceAddress } from './support/http-client.ts';
import { useTestEnvironment } from './support/test-server.ts';

const env = useTestEnvironment();

const DEVICES_PER_CODE = 50;

// Both ways an attempt can be decided take the row lock, and each must hold the line on its own: the
// database's check-in procedure (the common case), and the application (here forced by a code that
// guessed recently, which the procedure always leaves to the application's failure count).
describe.each([
  { path: 'the database procedure', guessedRecently: false },
  { path: 'the application', guessedRecently: true },
])('the check-in race, decided by $path', ({ guessedRecently }) => {
  it('when 50 devices check in with one code at once, then exactly one gets in and 49 are refused', async () => {
    const [participant] = await createParticipants(env.database.sql, 1, { guessedRecently });

    const responses = await Promise.all(
      Array.from({ length: DEVICES_PER_CODE }, (_, device) => checkIn(env.server.baseUrl, participant, deviceAddress(device))),
    );

    const winners = responses.flatMap((response, device) => (response.status === 200 ? [deviceAddress(device)] : []));
    expect(winners).toHaveLength(1);
    expect(responses.filter((response) => response.status === 409)).toHaveLength(DEVICES_PER_CODE - 1);
    const row = await participantRow(env.database.sql, participant!.code);
    expect(row.locked_ip).toBe(winners[0]);
    const audit = await auditRows(env.database.sql, participant!.code);
    expect(audit).toHaveLength(DEVICES_PER_CODE);
    expect(audit.filter((event) => event.event_type === 'checked_in').map((event) => event.source_ip)).toEqual(winners);
    expect(audit.filter((event) => event.event_type === 'device_conflict')).toHaveLength(DEVICES_PER_CODE - 1);
  });

  it('when 100 codes are raced at once by 50 devices each, then every code has exactly one winner', async () => {
    const participants = await createParticipants(env.database.sql, 100, { guessedRecently });

    const responses = await Promise.all(
      participants.flatMap((participant) =>
        Array.from({ length: DEVICES_PER_CODE }, async (_, device) => ({
          code: participant.code,
          ip: deviceAddress(device),
          response: await checkIn(env.server.baseUrl, participant, deviceAddress(device)),
        })),
      ),
    );

    const unexpected = responses.filter(({ response }) => response.status !== 200 && response.status !== 409);
    expect(unexpected.map(({ response }) => `${response.status} ${response.text}`)).toEqual([]);
    for (const participant of participants) {
      const mine = responses.filter((entry) => entry.code === participant.code);
      const winners = mine.filter((entry) => entry.response.status === 200);
      expect(winners, participant.code).toHaveLength(1);
      expect((await participantRow(env.database.sql, participant.code)).locked_ip).toBe(winners[0]!.ip);
      expect(await auditRows(env.database.sql, participant.code)).toHaveLength(DEVICES_PER_CODE);
    }
  });
});
