import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ActionResponse, BulkActionResponse } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { replaceParticipants } from './participants.ts';

export type ProctorAction =
  | { kind: 'reset'; code: string; expectedIp: string | null }
  | { kind: 'transfer'; code: string; expectedIp: string | null; toIp: string }
  | { kind: 'expire'; code: string }
  | { kind: 'reopen'; code: string }
  | { kind: 'approve'; requestId: number; code: string; expectedIp: string | null }
  | { kind: 'decline'; requestId: number; code: string }
  | { kind: 'bulk-reset'; items: { code: string; expectedIp: string | null }[] }
  | { kind: 'bulk-expire'; codes: string[] }
  | { kind: 'bulk-reopen'; codes: string[] };

async function perform(action: ProctorAction, reason: string) {
  const one = (path: string, body: unknown) => apiRequest(path, ActionResponse, { method: 'POST', body }).then((r) => [r.participant]);
  const many = (path: string, body: unknown) => apiRequest(path, BulkActionResponse, { method: 'POST', body }).then((r) => r.participants);
  const at = (code: string, verb: string) => `/api/proctor/participants/${encodeURIComponent(code)}/${verb}`;
  switch (action.kind) {
    case 'reset':
      return one(at(action.code, 'reset-lock'), { reason, expectedIp: action.expectedIp });
    case 'transfer':
      return one(at(action.code, 'transfer-lock'), { reason, expectedIp: action.expectedIp, toIp: action.toIp });
    case 'expire':
      return one(at(action.code, 'expire'), { reason });
    case 'reopen':
      return one(at(action.code, 'reopen'), { reason });
    case 'approve':
      return one(`/api/proctor/device-change-requests/${action.requestId}/approve`, { reason, expectedIp: action.expectedIp });
    case 'decline':
      return one(`/api/proctor/device-change-requests/${action.requestId}/decline`, { reason });
    case 'bulk-reset':
      return many('/api/proctor/bulk/reset-lock', { reason, items: action.items });
    case 'bulk-expire':
      return many('/api/proctor/bulk/expire', { reason, codes: action.codes });
    case 'bulk-reopen':
      return many('/api/proctor/bulk/reopen', { reason, codes: action.codes });
  }
}

export function useProctorAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ action, reason }: { action: ProctorAction; reason: string }) => perform(action, reason),
    onSuccess: (participants) => replaceParticipants(queryClient, participants),
  });
}
