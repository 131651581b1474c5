import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import type { PendingAction } from './confirm-dialog.tsx';

export function resetLockPrompt(p: ProctorParticipant): PendingAction {
  return {
    action: { kind: 'reset', code: p.code, expectedIp: p.lockedIp },
    title: `Reset the lock of ${p.code}?`,
    description: `${p.lockedIp ?? 'Nobody'} loses the lock; the next device to check in with this code and name takes it.`,
    confirmLabel: 'Reset lock',
  };
}

export function transferLockPrompt(p: ProctorParticipant, toIp: string): PendingAction {
  return {
    action: { kind: 'transfer', code: p.code, expectedIp: p.lockedIp, toIp },
    title: `Move ${p.code} to ${toIp}?`,
    description: `The lock moves from ${p.lockedIp ?? 'nobody'} straight to ${toIp}; no other device can take it in between.`,
    confirmLabel: 'Move lock',
  };
}
