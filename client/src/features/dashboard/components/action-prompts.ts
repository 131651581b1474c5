import type { IntlShape } from 'react-intl';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import type { PendingAction } from './confirm-dialog.tsx';

const seen = (p: ProctorParticipant) => ({ expectedIp: p.lockedIp, expectedDevice: p.lockedDevice });
const holderOf = (intl: IntlShape, p: ProctorParticipant) => p.lockedIp ?? intl.formatMessage({ id: 'device.nobody' });

export function resetLockPrompt(intl: IntlShape, p: ProctorParticipant): PendingAction {
  return {
    action: { kind: 'reset', code: p.code, ...seen(p) },
    title: intl.formatMessage({ id: 'action.reset.title' }, { code: p.code }),
    description: intl.formatMessage({ id: 'action.reset.description' }, { holder: holderOf(intl, p) }),
    confirmLabel: intl.formatMessage({ id: 'action.reset.confirm' }),
  };
}

// The lock goes to exactly the refused device the proctor points at, even behind an address it shares.
export function transferLockPrompt(intl: IntlShape, p: ProctorParticipant, refused: NonNullable<ProctorParticipant['lastRefused']>): PendingAction {
  const to = refused.ip ?? intl.formatMessage({ id: 'device.unknownAddress' });
  return {
    action: { kind: 'transfer', code: p.code, toAttempt: refused.eventId, ...seen(p) },
    title: intl.formatMessage({ id: 'action.move.title' }, { code: p.code, to }),
    description: intl.formatMessage({ id: 'action.move.description' }, { holder: holderOf(intl, p), to }),
    confirmLabel: intl.formatMessage({ id: 'action.move.confirm' }),
  };
}

export function approvePrompt(intl: IntlShape, p: ProctorParticipant, request: NonNullable<ProctorParticipant['pendingRequest']>): PendingAction {
  return {
    action: { kind: 'approve', requestId: request.id, code: p.code, ...seen(p) },
    title: intl.formatMessage({ id: 'action.move.title' }, { code: p.code, to: request.requesterIp }),
    description: intl.formatMessage({ id: 'action.approve.description' }, { holder: holderOf(intl, p), to: request.requesterIp }),
    confirmLabel: intl.formatMessage({ id: 'action.approve.confirm' }),
    defaultReason: intl.formatMessage({ id: 'action.approve.reason' }),
  };
}

export function declinePrompt(intl: IntlShape, p: ProctorParticipant, request: NonNullable<ProctorParticipant['pendingRequest']>): PendingAction {
  return {
    action: { kind: 'decline', requestId: request.id, code: p.code },
    title: intl.formatMessage({ id: 'action.decline.title' }, { code: p.code }),
    description: intl.formatMessage({ id: 'action.decline.description' }, { holder: holderOf(intl, p) }),
    confirmLabel: intl.formatMessage({ id: 'action.decline.confirm' }),
  };
}

export function statusPrompt(intl: IntlShape, p: ProctorParticipant): PendingAction {
  const reopen = p.status === 'expired';
  return {
    action: reopen ? { kind: 'reopen', code: p.code } : { kind: 'expire', code: p.code },
    title: intl.formatMessage({ id: reopen ? 'action.reopen.title' : 'action.expire.title' }, { code: p.code }),
    description: intl.formatMessage({ id: reopen ? 'action.reopen.description' : 'action.expire.description' }),
    confirmLabel: intl.formatMessage({ id: reopen ? 'action.reopen.confirm' : 'action.expire.confirm' }),
  };
}

export function bulkPrompt(intl: IntlShape, kind: 'bulk-reset' | 'bulk-expire' | 'bulk-reopen', rows: ProctorParticipant[]): PendingAction {
  const count = rows.length;
  const key = { 'bulk-reset': 'reset', 'bulk-expire': 'expire', 'bulk-reopen': 'reopen' }[kind];
  return {
    action:
      kind === 'bulk-reset'
        ? { kind, items: rows.map((p) => ({ code: p.code, ...seen(p) })) }
        : { kind, codes: rows.map((p) => p.code) },
    title: intl.formatMessage({ id: `bulk.${key}.title` }, { count }),
    description: intl.formatMessage({ id: `bulk.${key}.description` }),
    confirmLabel: intl.formatMessage({ id: `bulk.${key}.confirm` }),
  };
}

export function letTryAgainPrompt(intl: IntlShape, p: ProctorParticipant): PendingAction {
  return {
    action: { kind: 'let-try-again', code: p.code },
    title: intl.formatMessage({ id: 'action.letTryAgain.title' }, { code: p.code }),
    description: intl.formatMessage({ id: 'action.letTryAgain.description' }),
    confirmLabel: intl.formatMessage({ id: 'action.letTryAgain.confirm' }),
  };
}

export function letAddressTryAgainPrompt(intl: IntlShape, address: string): PendingAction {
  return {
    action: { kind: 'let-address-try-again', address },
    title: intl.formatMessage({ id: 'action.letAddressTryAgain.title' }, { address }),
    description: intl.formatMessage({ id: 'action.letAddressTryAgain.description' }),
    confirmLabel: intl.formatMessage({ id: 'action.letAddressTryAgain.confirm' }),
  };
}
