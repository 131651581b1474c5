// The floor under (10): what one delivery's HTTP request costs the process that sends it, without the
// database. The dispatcher's own signing and posting code, 50 requests at a time, to the URL in argv[2];
// started by bench/run.ts as a process of its own. Prints the CPU per request of the last of 3 rounds.
import { postWebhook, signedRequest } from '../server/src/webhooks/webhook-dispatcher.ts';
import type { Delivery } from '../server/src/webhooks/webhooks.repo.ts';

const url = process.argv[2]!;
const count = Number(process.argv[3] ?? 5000);
const delivery = (i: number): Delivery => ({
  auditEventId: i,
  subscriptionId: 1,
  participantId: i,
  attempts: 0,
  eventAt: new Date(),
  url,
  secret: Buffer.alloc(24, 7),
  eventType: 'checked_in',
  code: `BENCH-${String(i).padStart(5, '0')}`,
  sessionId: 1,
  sourceIp: '127.0.0.1',
  device: 'x'.repeat(43),
  actor: null,
  reason: null,
  statusAfter: 'in_progress',
  lockedIpAfter: '127.0.0.1',
  lockedDeviceAfter: 'x'.repeat(43),
});

let perRequestUs = NaN;
for (let round = 0; round < 3; round++) {
  const before = process.cpuUsage();
  for (let start = 0; start < count; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - start) }, async (_, i) => {
        const { headers, body } = signedRequest(delivery(start + i), Math.floor(Date.now() / 1000));
        const status = await postWebhook(url, headers, body, 5000);
        if (status !== 204) throw new Error(`receiver answered ${status}`);
      }),
    );
  }
  const used = process.cpuUsage(before);
  perRequestUs = (used.user + used.system) / count;
}
process.stdout.write(`${perRequestUs}\n`);
