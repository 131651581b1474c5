import type { SqlHandle } from '../lib/database.ts';
import { networkMatcher } from './allowed-networks.ts';
import { WEBHOOK_ACTIVATION_DELAY_S } from '../../../contracts/webhooks.ts';
import { type ExamSession, readSessionWithWebhooks, type SessionWebhooks } from './exam-sessions.repo.ts';

// Published by a transaction that changed a session's settings (Tx.publish), with the session's id.
export const SESSION_CHANGED = 'session-changed';
// How long another instance may decide with settings that were changed elsewhere.
export const SESSION_CACHE_MS = 1000;

export interface SessionRules extends ExamSession, SessionWebhooks {
  insideAllowedNetworks: ((ip: string) => boolean) | null;
}

// Whether an event at `at` may have to go to a webhook outbox. A session read without subscriptions, less
// than the activation delay before the event, cannot have one that applies to it (a subscription added
// after the read starts later than that); otherwise the outbox statement decides exactly.
export function mayHaveWebhooks(rules: SessionWebhooks, at: Date): boolean {
  return rules.hasWebhooks || at.getTime() >= rules.readAt.getTime() + WEBHOOK_ACTIVATION_DELAY_S * 1000;
}

interface Entry {
  rules: Promise<SessionRules | undefined>;
  loadedAt: number;
}

// Every check-in needs its session's rules (lock policy, window, networks). Reading the session row in the
// row-lock statement cost the database a sixth of its CPU per check-in, so each instance keeps them for a
// second: a change applies at once on the instance that made it and within a second on the others.
export class SessionCache {
  readonly #entries = new Map<number, Entry>();

  constructor(private readonly ttlMs = SESSION_CACHE_MS) {}

  get(handle: SqlHandle, id: number): Promise<SessionRules | undefined> {
    const now = performance.now();
    const cached = this.#entries.get(id);
    if (cached && now - cached.loadedAt < this.ttlMs) return cached.rules;
    const rules = readSessionWithWebhooks(handle, id).then((session) => session && { ...session, insideAllowedNetworks: networkMatcher(session.allowedNetworks) });
    const entry = { rules, loadedAt: now };
    this.#entries.set(id, entry);
    rules.catch(() => {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
    });
    return rules;
  }

  forget(ids: readonly number[]): void {
    for (const id of ids) this.#entries.delete(id);
  }
}
