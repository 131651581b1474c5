import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarise } from '../../bench/load.ts';
import { createParticipants } from './support/fixtures.ts';
import { checkIn, deviceAddress, type HttpResponse } from './support/http-client.ts';
import { createTestDatabase, type TestDatabase } from './support/test-database.ts';
import { type ServerProcess, startServerProcess } from '../../e2e/support/server-process.ts';

// Compares latencies, so vitest runs this file alone, after every other file (the "load" project).
let database: TestDatabase;
let server: ServerProcess;

beforeAll(async () => {
  database = await createTestDatabase();
  // Its own process, as in production: the test's 200 clients must not share the server's event loop.
  server = await startServerProcess({ DATABASE_URL: database.url, SERVE_CLIENT: 'false', LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await server.stop();
  await database.drop();
});

describe('fair admission between source addresses', () => {
  it('when one address floods the server with kept-alive connections, then 200 check-ins from 200 other addresses keep their p99 within 2x of the unloaded p99', async () => {
    const people = await createParticipants(database.sql, 800);
    const checkInGroup = (round: number) => Promise.all(people.slice(round * 200, round * 200 + 200).map((person, i) => checkIn(server!.baseUrl, person, deviceAddress(300 + round * 200 + i))));
    const unloaded: HttpResponse[] = [];
    const loaded: HttpResponse[] = [];
    const floodAnswers: Record<string, number>[] = [];
    // Two rounds of each, alternating, so that neither side is the only one measured cold or on a
    // momentarily busy machine.
    for (const round of [0, 1, 2, 3]) {
      if (round % 2 === 0) {
        unloaded.push(...(await checkInGroup(round)));
        continue;
      }
      const flood = startFlood(server.port, 150, '127.0.9.9');
      try {
        await flood.ready;
        loaded.push(...(await checkInGroup(round)));
      } finally {
        floodAnswers.push(await flood.stop());
      }
    }

    const before = summarise(unloaded.map((answer) => answer.elapsedMs));
    const during = summarise(loaded.map((answer) => answer.elapsedMs));
    expect([...unloaded, ...loaded].every((answer) => answer.status === 200)).toBe(true);
    // The flood was real and got the answer an unknown code gets.
    expect(floodAnswers.map((answers) => Object.keys(answers))).toEqual([['403'], ['403']]);
    expect(during.p99, `p99 ${during.p99.toFixed(0)} ms under the flood, ${before.p99.toFixed(0)} ms without`).toBeLessThanOrEqual(2 * before.p99);
  });
});

function startFlood(port: number, connections: number, address: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/test/support/flood-process.ts', String(port), String(connections), address], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.startsWith('ready\n')) resolve();
    });
    child.once('exit', () => reject(new Error(`the flood process ended before its first answer: ${output}`)));
  });
  return {
    ready,
    stop: async (): Promise<Record<string, number>> => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(output.split('\n').filter(Boolean).at(-1) ?? '{}') as Record<string, number>;
    },
  };
}
