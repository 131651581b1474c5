import { describe, expect, it } from 'vitest';
import { WEBHOOK_ACTIVATION_DELAY_S } from '../../../contracts/webhooks.ts';
import { webhookTargets } from './session-cache.ts';

describe('webhookTargets', () => {
  const readAt = new Date('2030-01-01T08:00:00.000Z');
  const after = (ms: number) => new Date(readAt.getTime() + ms);
  const everything = { id: 1, eventTypes: '*', activeFrom: after(-60_000) };
  const conflictsOnly = { id: 2, eventTypes: 'device_conflict,expired', activeFrom: after(-60_000) };
  const startingLater = { id: 3, eventTypes: '*', activeFrom: after(500) };

  it('when the session was read without subscriptions, then events until the activation delay go nowhere, and later ones are left to the outbox statement', () => {
    expect(webhookTargets({ webhooks: [], readAt }, after(-5000), 'checked_in')).toEqual([]);
    expect(webhookTargets({ webhooks: [], readAt }, after(WEBHOOK_ACTIVATION_DELAY_S * 1000 - 1), 'checked_in')).toEqual([]);
    expect(webhookTargets({ webhooks: [], readAt }, after(WEBHOOK_ACTIVATION_DELAY_S * 1000), 'checked_in')).toBeUndefined();
  });

  it('when the session has subscriptions, then an event goes to those active at its time that want its type', () => {
    const rules = { webhooks: [everything, conflictsOnly, startingLater], readAt };
    expect(webhookTargets(rules, after(0), 'checked_in')).toEqual([1]);
    expect(webhookTargets(rules, after(0), 'device_conflict')).toEqual([1, 2]);
    expect(webhookTargets(rules, after(500), 'expired')).toEqual([1, 2, 3]);
    expect(webhookTargets(rules, after(0), 'device')).toEqual([1]);
  });
});
