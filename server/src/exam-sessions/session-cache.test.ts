import { describe, expect, it } from 'vitest';
import { WEBHOOK_ACTIVATION_DELAY_S } from '../../../contracts/webhooks.ts';
import { mayHaveWebhooks } from './session-cache.ts';

describe('mayHaveWebhooks', () => {
  const readAt = new Date('2030-01-01T08:00:00.000Z');
  const after = (ms: number) => new Date(readAt.getTime() + ms);

  it('when the session was read without subscriptions, then events until the activation delay skip the outbox, and later ones do not', () => {
    expect(mayHaveWebhooks({ hasWebhooks: false, readAt }, after(-5000))).toBe(false);
    expect(mayHaveWebhooks({ hasWebhooks: false, readAt }, after(WEBHOOK_ACTIVATION_DELAY_S * 1000 - 1))).toBe(false);
    expect(mayHaveWebhooks({ hasWebhooks: false, readAt }, after(WEBHOOK_ACTIVATION_DELAY_S * 1000))).toBe(true);
  });

  it('when the session has subscriptions, then every event goes through the outbox statement', () => {
    expect(mayHaveWebhooks({ hasWebhooks: true, readAt }, after(0))).toBe(true);
  });
});
