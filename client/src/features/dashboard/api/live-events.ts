import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { type ProctorParticipant, type StreamEvent, StreamEvent as StreamEventSchema } from '../../../../../contracts/proctor.ts';
import { participantKeys, patchParticipantsBatch } from './participants.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

const SETTLING = new Set<StreamEvent['type']>(['checked_in', 'lock_reset', 'lock_transferred', 'expired', 'reopened']);

function applyEvent(participant: ProctorParticipant, event: StreamEvent): ProctorParticipant {
  const next = { ...participant };
  if (event.statusAfter) next.status = event.statusAfter;
  if (event.type === 'checked_in' || event.type === 'lock_transferred') {
    next.lockedIp = event.lockedIpAfter;
    next.deviceLockedAt = event.at;
    next.enteredAt ??= event.at;
  }
  if (event.type === 'lock_reset') {
    next.lockedIp = null;
    next.deviceLockedAt = null;
  }
  if (event.type === 'device_conflict') {
    next.refusedAttempts += 1;
    next.lastRefused = { ip: event.ip, userAgent: event.userAgent, at: event.at };
    next.openConflict = next.status !== 'expired';
  }
  if (SETTLING.has(event.type)) next.openConflict = false;
  if (event.type === 'lock_transferred' || event.type === 'device_change_declined') next.pendingRequest = null;
  return next;
}

// One EventSource for the dashboard: audit events patch the cached rows they concern (in batches of
// 50 ms); events the cache
// cannot express on its own (a new device-change request) refetch the list; a reconnect refetches all.
export function useLiveEvents(onEvent: (event: StreamEvent) => void): LiveStatus {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  // A closed EventSource (the server answered an error instead of a stream) does not retry by itself.
  const [generation, setGeneration] = useState(0);
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    const source = new EventSource('/api/proctor/stream');
    let opened = generation > 0 ? 'reopened' : false;
    let queued: StreamEvent[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      const events = queued;
      queued = [];
      const known = patchParticipantsBatch(
        queryClient,
        events.map((event) => ({ code: event.code, patch: (participant: ProctorParticipant) => applyEvent(participant, event) })),
      );
      if (events.some((event) => event.type === 'device_change_requested' && known.has(event.code))) refetchSoon();
    };
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let refetchTimer: ReturnType<typeof setTimeout> | undefined;
    const refetchSoon = () => {
      clearTimeout(refetchTimer);
      refetchTimer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: participantKeys.all }), 150);
    };
    source.onopen = () => {
      setStatus('live');
      if (opened) refetchSoon();
      opened = true;
    };
    source.onerror = () => {
      setStatus('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        // Maybe the session ended: the session query then sends the proctor to the login page.
        void queryClient.invalidateQueries({ queryKey: ['proctor', 'session'] });
        retryTimer = setTimeout(() => setGeneration((value) => value + 1), 2000);
      }
    };
    source.addEventListener('audit', (message) => {
      const parsed = StreamEventSchema.safeParse(JSON.parse((message as MessageEvent<string>).data));
      if (!parsed.success) return;
      queued.push(parsed.data);
      flushTimer ??= setTimeout(flush, 50);
      onEventRef.current(parsed.data);
    });
    return () => {
      clearTimeout(flushTimer);
      clearTimeout(refetchTimer);
      clearTimeout(retryTimer);
      source.close();
    };
  }, [queryClient, generation]);

  return status;
}
