import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { webhookEventData, type WebhookPayload, webhookEventType } from '../../../contracts/webhooks.ts';
import type { Database } from '../lib/database.ts';
import type { Config } from '../lib/config.ts';
import type { Logger } from '../lib/logger.ts';
import { type Delivery, dueDeliveries, leaseSubscription, markDelivered, markFailed, OUTBOX_WRITTEN, subscriptionsWithDueWork } from './webhooks.repo.ts';

const COALESCE_MS = 50;

export interface DispatcherOptions {
  pollMs: number;
  // How long a subscription's lease lasts: an instance that dies holding one leaves it to the others after
  // this (renewed before every batch).
  leaseS: number;
  timeoutMs: number;
  batch: number;
  // Retry delays in seconds, the last repeated; after giveUpAfterS from the event, the delivery is given up.
  backoffS: readonly number[];
  giveUpAfterS: number;
}

// 1 s, doubling to 5 min, then every 5 min: a receiver that was down for a minute hears within seconds of
// coming back, and one down for a day is still tried every few minutes until 26 h have passed.
export const DEFAULT_DISPATCHER_OPTIONS: DispatcherOptions = {
  pollMs: 1000,
  leaseS: 30,
  timeoutMs: 5000,
  batch: 50,
  backoffS: [1, 2, 4, 8, 15, 30, 60, 120, 300],
  giveUpAfterS: 26 * 3600,
};

export function dispatcherOptions(config: Pick<Config, 'WEBHOOK_POLL_MS' | 'WEBHOOK_RETRY_MAX_S'>): DispatcherOptions {
  const capped = DEFAULT_DISPATCHER_OPTIONS.backoffS.filter((seconds) => seconds < config.WEBHOOK_RETRY_MAX_S);
  return { ...DEFAULT_DISPATCHER_OPTIONS, pollMs: config.WEBHOOK_POLL_MS, backoffS: [...capped, config.WEBHOOK_RETRY_MAX_S] };
}

export function webhookPayload(delivery: Delivery): WebhookPayload {
  return {
    type: webhookEventType(delivery.eventType),
    timestamp: delivery.eventAt.toISOString(),
    data: webhookEventData({ ...delivery, id: delivery.auditEventId, type: delivery.eventType, at: delivery.eventAt }),
  };
}

// Standard Webhooks: the id stays the same across retries (receivers drop duplicates by it), and the
// signature is HMAC-SHA256 over "id.timestamp.body" with the secret shown once as whsec_<base64>.
export function signedRequest(delivery: Delivery, nowS: number): { headers: Record<string, string>; body: string } {
  const id = `msg_${delivery.auditEventId}_${delivery.subscriptionId}`;
  const body = JSON.stringify(webhookPayload(delivery));
  const signature = createHmac('sha256', delivery.secret).update(`${id}.${nowS}.${body}`).digest('base64');
  return { headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(nowS), 'webhook-signature': `v1,${signature}` }, body };
}

// Every instance runs one. It leases a subscription with due deliveries, posts them, and records the outcome;
// it is woken by this instance's commits and polls for the others' and for retries.
export class WebhookDispatcher {
  readonly #holder = `${process.pid}-${randomBytes(6).toString('hex')}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  readonly #poke = () => this.#wake();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions = DEFAULT_DISPATCHER_OPTIONS,
  ) {}

  start(): void {
    this.db.events.on(OUTBOX_WRITTEN, this.#poke);
    this.#timer = setInterval(this.#poke, this.options.pollMs);
    this.#timer.unref();
    this.#wake();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.db.events.off(OUTBOX_WRITTEN, this.#poke);
    clearInterval(this.#timer);
    await this.#running;
  }

  #wake(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'webhook delivery round failed; retrying at the next poll'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.#wake();
        }
      });
  }

  async #drain(): Promise<void> {
    // Commits that come close together are delivered together: fewer, larger batches.
    await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
    for (;;) {
      if (this.#stopped) return;
      const due = await this.db.read((handle) => subscriptionsWithDueWork(handle, this.#holder));
      if (due.length === 0) return;
      const tried = await Promise.all(due.map((subscriptionId) => this.#deliverSubscription(subscriptionId)));
      // Nothing went out: what is due waits behind a participant's earlier event that is backing off (or
      // another instance holds the lease). Looking again at once would spin; the next commit or poll will.
      if (tried.every((count) => count === 0)) return;
    }
  }

  // Batch after batch while this instance holds the subscription's lease and batches come back full; a
  // short batch hands back to #drain, which looks again for whatever arrived meanwhile. Returns how many
  // deliveries it tried.
  async #deliverSubscription(subscriptionId: number): Promise<number> {
    let tried = 0;
    for (;;) {
      if (this.#stopped || !(await this.db.read((handle) => leaseSubscription(handle, subscriptionId, this.#holder, this.options.leaseS)))) return tried;
      const deliveries = await this.db.read((handle) => dueDeliveries(handle, subscriptionId, this.options.batch));
      tried += deliveries.length;
      // A batch holds one event per participant, so all of it goes out at once.
      const outcomes = await Promise.all(deliveries.map(async (delivery) => ({ delivery, delivered: await this.#deliver(delivery) })));
      await this.db.read((handle) => markDelivered(handle, subscriptionId, outcomes.filter((outcome) => outcome.delivered).map((outcome) => outcome.delivery)));
      if (deliveries.length < this.options.batch) return tried;
      // Let the next commits join the next batch.
      await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
    }
  }

  // True when the receiver took it; a failure is recorded here, with when to try again.
  async #deliver(delivery: Delivery): Promise<boolean> {
    const { headers, body } = signedRequest(delivery, Math.floor(Date.now() / 1000));
    let failure: string | undefined;
    try {
      const status = await postWebhook(delivery.url, headers, body, this.options.timeoutMs);
      if (status < 200 || status >= 300) failure = `HTTP ${status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    if (failure === undefined) return true;
    const ageS = (Date.now() - delivery.eventAt.getTime()) / 1000;
    const retryInS = ageS >= this.options.giveUpAfterS ? null : this.options.backoffS[Math.min(delivery.attempts, this.options.backoffS.length - 1)]!;
    this.logger.warn({ subscription: delivery.subscriptionId, event: delivery.auditEventId, attempt: delivery.attempts + 1, error: failure, retryInS }, 'webhook delivery failed');
    await this.db.read((handle) => markFailed(handle, delivery, failure, retryInS));
    return false;
  }
}

// node:http with kept-alive connections rather than fetch: at exam start there is a delivery per check-in,
// and fetch cost the server several times as much CPU per request. Redirects are not followed.
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }) };

export function postWebhook(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(target, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: agents[target.protocol as 'http:' | 'https:'], timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
