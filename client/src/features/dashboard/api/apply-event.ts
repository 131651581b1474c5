import { EVENT_RULES, stateAfter } from '../../../../../contracts/participant-state.ts';
import { type ProctorParticipant, refusalKindOf, type StreamEvent } from '../../../../../contracts/proctor.ts';

type Seen = NonNullable<ProctorParticipant['lastRefused']>;

const seenIn = (event: StreamEvent): Seen => ({
  eventId: event.id,
  kind: refusalKindOf(event.type),
  ip: event.ip,
  device: event.device,
  userAgent: event.userAgent,
  at: event.at,
  sharedWith: event.sharedWith,
});

// A live event applied to a cached row with the state table the server wrote it with. Devices are the
// fingerprints the stream carries; the holder's browser is read from the event that gave it the lock.
export function applyEvent(participant: ProctorParticipant, event: StreamEvent): ProctorParticipant {
  const { roster } = EVENT_RULES[event.type];
  const holderSeen = participant.lockedIp === null ? null : { eventId: 0, kind: 'device_conflict' as const, ip: participant.lockedIp, device: participant.lockedDevice, userAgent: participant.lockedUserAgent, at: participant.deviceLockedAt ?? event.at, sharedWith: null };
  const after = stateAfter<string, Seen>(
    {
      status: participant.status,
      lockedIp: participant.lockedIp,
      lockedDevice: participant.lockedDevice,
      lockEvent: holderSeen,
      deviceLockedAt: participant.deviceLockedAt,
      enteredAt: participant.enteredAt,
      conflictOpen: participant.openConflict,
      refusedAttempts: participant.refusedAttempts,
      lastRefusal: participant.lastRefused,
    },
    { type: event.type, sourceIp: event.ip, sourceDevice: event.device, targetIp: event.lockedIpAfter, targetDevice: event.lockedDeviceAfter, at: event.at, ref: seenIn(event) },
  );
  return {
    ...participant,
    status: after.status,
    lockedIp: after.lockedIp,
    lockedDevice: after.lockedDevice,
    lockedUserAgent: after.lockEvent?.userAgent ?? null,
    deviceLockedAt: after.deviceLockedAt,
    enteredAt: after.enteredAt,
    openConflict: after.conflictOpen,
    refusedAttempts: after.refusedAttempts,
    lastRefused: after.lastRefusal,
    pendingRequest: EVENT_RULES[event.type].request === 'closes' ? null : participant.pendingRequest,
    throttled: EVENT_RULES[event.type].unthrottles ? false : participant.throttled,
    withdrawn: roster === 'withdraws' ? true : roster === 'reinstates' ? false : participant.withdrawn,
    seat: event.seat,
  };
}

// Events whose details the stream does not carry: a new device-change request (its id and expiry), a
// move to another device (the browser of the attempt it was moved to), a new name and a seat change refetch the rows at once; a failed
// attempt (was it the one that throttles the participant?) within a couple of seconds, so that a hall
// full of typos costs one refetch, not one each. Undefined: the event alone is enough.
export function refetchDelayMs(event: StreamEvent): number | undefined {
  const rule = EVENT_RULES[event.type];
  // A proctor's seat change may have moved the participant to another room, which the stream does not name.
  if (rule.request === 'opens' || rule.lock === 'target' || rule.roster === 'renames' || rule.place === 'moves') return 150;
  return rule.countsFailure ? 2000 : undefined;
}
