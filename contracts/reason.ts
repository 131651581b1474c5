import { z } from 'zod';

// Every proctor action and settings change says why; the audit log keeps it.
export const REASON_MAX_LENGTH = 500;
export const Reason = z.string({ error: 'reason is required' }).trim().min(1, 'reason is required').max(REASON_MAX_LENGTH);
