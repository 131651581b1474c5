import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type mysql from 'mysql2/promise';
import { expect, vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { WebhookPayload } from '../../../contracts/webhooks.ts';

export interface Received {
  id: string;
  payload: WebhookPayload;
}

// A system that subscribes to examgate's webhooks: it verifies every delivery with the `standardwebhooks`
// package (a delivery that does not verify fails the test) and records it. It can go down (stop listening)
// and come back on the same port.
export class WebhookReceiver {
  readonly received: Received[] = [];
  readonly unverified: string[] = [];
  #server: http.Server | undefined;
  #port = 0;
  #verifier: Webhook | undefined;
  // Milliseconds each answer waits: deliveries stay in flight for that long.
  delayMs = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hooks`;
  }

  useSecret(secret: string): void {
    this.#verifier = new Webhook(secret);
  }

  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        try {
          const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)]));
          const payload = this.#verifier!.verify(body, headers) as WebhookPayload;
          this.received.push({ id: headers['webhook-id']!, payload });
        } catch (error) {
          this.unverified.push(String(error));
        }
        setTimeout(() => res.writeHead(204).end(), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // Each delivery id once: what a receiver that drops duplicates by webhook-id keeps.
  distinct(): Received[] {
    return [...new Map(this.received.map((item) => [item.id, item])).values()];
  }
}

// A subscription applies from its activeFrom (WEBHOOK_ACTIVATION_DELAY_S after it was added), by the
// database's clock: events written before then are not delivered to it.
export async function untilSubscriptionActive(sql: mysql.Connection, activeFrom: Date): Promise<void> {
  await vi.waitFor(
    async () => {
      const [[row]] = await sql.query<mysql.RowDataPacket[]>('SELECT UTC_TIMESTAMP(3) >= ? AS active', [activeFrom]);
      expect(Number(row!.active)).toBe(1);
    },
    { timeout: 5_000, interval: 100 },
  );
}
