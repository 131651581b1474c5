import { z } from 'zod';
import { ParticipantCode } from './checkin.ts';

// Path parameters and headers that several routes share; routes parse with them and the OpenAPI document
// describes them, so the two cannot drift apart.
export const IdParam = z.object({ id: z.coerce.number().int().positive() });
export const CodeParam = z.object({ code: ParticipantCode });
export const SessionIdParam = z.object({ sessionId: z.coerce.number().int().positive() });
