import { z } from 'zod';

// What /healthz and /readyz answer; a load balancer needs only the status code, an operator reads the rest.
export const LiveAnswer = z.object({ status: z.literal('ok') });
const ClusterInfo = z.object({ size: z.number().int(), node: z.string(), state: z.string() });
export const ReadyAnswer = z.object({ status: z.literal('ready'), cluster: ClusterInfo.optional() });
export const NotReadyAnswer = z.object({ status: z.literal('not_ready'), reason: z.string(), cluster: ClusterInfo.optional() });
export type LiveAnswer = z.infer<typeof LiveAnswer>;
export type ReadyAnswer = z.infer<typeof ReadyAnswer>;
export type NotReadyAnswer = z.infer<typeof NotReadyAnswer>;
