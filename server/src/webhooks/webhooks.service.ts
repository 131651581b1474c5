import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { httpUrl } from '../../../contracts/exam-session.ts';
import { auditEventTypes, participantEventTypes } from '../../../contracts/participant-state.ts';
import type { Database } from '../lib/database.ts';
import { InvalidInputError, NotFoundError } from '../lib/errors.ts';
import { insertSubscription, listSubscriptions, removeSubscription, type Subscription } from './webhooks.repo.ts';

const NewSubscription = z.object({
  url: httpUrl('url'),
  // Empty: every participant event.
  eventTypes: z.array(z.enum(auditEventTypes).refine((type) => participantEventTypes.includes(type), 'only participant events are delivered')).max(50),
});

export interface CreatedSubscription {
  id: number;
  // Events from then on are delivered (WEBHOOK_ACTIVATION_DELAY_S after it was added).
  activeFrom: Date;
  // Shown once, as Standard Webhooks libraries take it.
  secret: string;
}

export async function addSubscription(db: Database, sessionName: string, input: { url: string; eventTypes: string[] }): Promise<CreatedSubscription> {
  const parsed = NewSubscription.safeParse(input);
  if (!parsed.success) throw new InvalidInputError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return db.read(async (handle) => {
    const [session] = await handle.rows<RowDataPacket & { id: number }>('SELECT id FROM exam_sessions WHERE name = ?', [sessionName]);
    if (!session) throw new NotFoundError(`No exam session "${sessionName}".`);
    const secret = randomBytes(24);
    const { id, activeFrom } = await insertSubscription(handle, { sessionId: Number(session.id), url: parsed.data.url, secret, eventTypes: parsed.data.eventTypes.length === 0 ? '*' : [...new Set(parsed.data.eventTypes)].join(',') });
    return { id, activeFrom, secret: `whsec_${secret.toString('base64')}` };
  });
}

export function subscriptions(db: Database, sessionId?: number): Promise<Subscription[]> {
  return db.read((handle) => listSubscriptions(handle, sessionId));
}

export async function dropSubscription(db: Database, id: number): Promise<void> {
  if (!(await db.read((handle) => removeSubscription(handle, id)))) throw new NotFoundError(`No webhook subscription ${id}.`);
}
