import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ActionResponse, AddressUnthrottleResponse, BulkActionResponse } from '../../../../../contracts/proctor.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { participantKeys, replaceParticipants } from './participants.ts';

// What the proctor saw of the lock: an action on a lock that changed since is refused (lock_changed).
interface SeenLock {
  expectedIp: string | null;
  expectedDevice: string | null;
}

export type ProctorAction =
  | ({ kind: 'reset'; code: string } & SeenLock)
  | ({ kind: 'transfer'; code: string; toAttempt: number } & SeenLock)
  | { kind: 'expire'; code: string }
  | { kind: 'reopen'; code: string }
  | { kind: 'let-try-again'; code: string }
  | { kind: 'let-address-try-again'; address: string }
  | ({ kind: 'approve'; requestId: number; code: string } & SeenLock)
  | { kind: 'decline'; requestId: number; code: string }
  | { kind: 'bulk-reset'; items: ({ code: string } & SeenLock)[] }
  | { kind: 'bulk-expire'; codes: string[] }
  | { kind: 'bulk-reopen'; codes: string[] };

async function perform(action: ProctorAction, reason: string) {
  const one = (path: string, body: unknown) => apiRequest(path, ActionResponse, { method: 'POST', body }).then((r) => [r.participant]);
  const many = (path: string, body: unknown) => apiRequest(path, BulkActionResponse, { method: 'POST', body }).then((r) => r.participants);
  const at = (code: string, verb: string) => `/api/proctor/participants/${encodeURIComponent(code)}/${verb}`;
  switch (action.kind) {
    case 'reset':
      return one(at(action.code, 'reset-lock'), { reason, expectedIp: action.expectedIp, expectedDevice: action.expectedDevice });
    case 'transfer':
      return one(at(action.code, 'transfer-lock'), { reason, expectedIp: action.expectedIp, expectedDevice: action.expectedDevice, toAttempt: action.toAttempt });
    case 'expire':
      return one(at(action.code, 'expire'), { reason });
    case 'reopen':
      return one(at(action.code, 'reopen'), { reason });
    case 'let-try-again':
      return one(at(action.code, 'let-try-again'), { reason });
    case 'let-address-try-again':
      // Which participants were held back at the address is not known here: the list is refetched.
      return apiRequest('/api/proctor/addresses/let-try-again', AddressUnthrottleResponse, { method: 'POST', body: { address: action.address, reason } }).then(() => []);
    case 'approve':
      return one(`/api/proctor/device-change-requests/${action.requestId}/approve`, { reason, expectedIp: action.expectedIp, expectedDevice: action.expectedDevice });
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
    onSuccess: (participants, { action }) => {
      if (action.kind === 'let-address-try-again') void queryClient.invalidateQueries({ queryKey: participantKeys.all });
      else replaceParticipants(queryClient, participants);
    },
  });
}
