import type { SqlHandle } from '../lib/database.ts';
import { ExpiringReads } from '../lib/expiring-reads.ts';
import { networkMatcher } from './allowed-networks.ts';
import { WEBHOOK_ACTIVATION_DELAY_S } from '../../../contracts/webhooks.ts';
import { subscriptionWants } from '../webhooks/webhooks.repo.ts';
import { type ExamSession, readSessionWithWebhooks, type SessionWebhooks } from './exam-sessions.repo.ts';
import { type Room, roomsOfSession } from '../rooms/rooms.repo.ts';

// Published by a transaction that changed a session's settings (Tx.publish), with the session's id.
export const SESSION_CHANGED = 'session-changed';
// How long another instance may decide with settings that were changed elsewhere.
export const SESSION_CACHE_MS = 1000;

export interface SessionRules extends ExamSession, SessionWebhooks {
  insideAllowedNetworks: ((ip: string) => boolean) | null;
  rooms: ReadonlyMap<number, RoomRules>;
}

// A room's networks, when it has its own, replace the session's for its participants.
export interface RoomRules extends Room {
  insideAllowedNetworks: ((ip: string) => boolean) | null;
}

// What a check-in sends with its row lock, before it knows its session: the first read for a free seat when
// a session draws seats at check-in, the device's claim when a session judges a device that holds one
// participant's lock and checks in another.
const HINTS = {
  drawsSeats: (rules: SessionRules) => rules.seating === 'at_check_in' && [...rules.rooms.values()].some((room) => room.seats > 0),
  judgesDevices: (rules: SessionRules) => rules.deviceSharing !== 'allowed',
};
// How long after reading such a session the instance still sends it with every check-in.
const HINT_FOR_MS = 60_000;

async function readRules(handle: SqlHandle, id: number): Promise<SessionRules | undefined> {
  const session = await readSessionWithWebhooks(handle, id);
  if (!session) return undefined;
  const rooms = await roomsOfSession(handle, id);
  return {
    ...session,
    insideAllowedNetworks: networkMatcher(session.allowedNetworks),
    rooms: new Map(rooms.map((room) => [room.id, { ...room, insideAllowedNetworks: networkMatcher(room.allowedNetworks) }])),
  };
}

// The subscriptions an event of `type` at `at` goes to, when the session's cached read settles it: the
// read is less than the activation delay before the event, so a subscription added since cannot apply to
// it yet. Otherwise undefined, and the outbox statement reads the subscriptions itself.
export function webhookTargets(rules: SessionWebhooks, at: Date, type: string): number[] | undefined {
  if (at.getTime() >= rules.readAt.getTime() + WEBHOOK_ACTIVATION_DELAY_S * 1000) return undefined;
  return rules.webhooks.filter((subscription) => subscription.activeFrom <= at && subscriptionWants(subscription.eventTypes, type)).map((subscription) => subscription.id);
}

// Every check-in needs its session's rules (lock policy, window, networks). Reading the session row in the
// row-lock statement cost the database a sixth of its CPU per check-in, so each instance keeps them for a
// second: a change applies at once on the instance that made it and within a second on the others.
export class SessionCache {
  readonly #rules: ExpiringReads<number, SessionRules | undefined>;
  readonly #hintedAt: Record<keyof typeof HINTS, number> = { drawsSeats: -Infinity, judgesDevices: -Infinity };

  constructor(ttlMs = SESSION_CACHE_MS) {
    this.#rules = new ExpiringReads(ttlMs);
  }

  get(handle: SqlHandle, id: number): Promise<SessionRules | undefined> {
    return this.#rules.get(id, () =>
      readRules(handle, id).then((read) => {
        for (const hint of Object.keys(HINTS) as (keyof typeof HINTS)[]) if (read && HINTS[hint](read)) this.#hintedAt[hint] = performance.now();
        return read;
      }),
    );
  }

  // A session read in the last minute draws seats at check-in: check-ins look for a free seat early.
  drawsSeats(): boolean {
    return performance.now() - this.#hintedAt.drawsSeats < HINT_FOR_MS;
  }

  // A session read in the last minute judges devices that check in a second code: check-ins claim their
  // device in the row lock's round trip.
  judgesDevices(): boolean {
    return performance.now() - this.#hintedAt.judgesDevices < HINT_FOR_MS;
  }

  forget(ids: readonly number[]): void {
    this.#rules.forget(ids);
  }
}
