import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useEffectEvent, useState } from 'react';
import { CONFLICT_TYPES, REFUSAL_TYPES } from '../../../../../contracts/arrivals.ts';
import { EVENT_RULES } from '../../../../../contracts/participant-state.ts';
import { type ProctorParticipant, type StreamEvent, StreamEvent as StreamEventSchema } from '../../../../../contracts/proctor.ts';
import { proctorKeys } from '../../proctor-auth/api/session.ts';
import { applyEvent, refetchDelayMs } from './apply-event.ts';
import { arrivalKeys } from './arrivals.ts';
import { roomKeys } from './rooms.ts';
import { incidentKeys } from './incidents.ts';
import { participantKeys, patchParticipantsBatch } from './participants.ts';
import { sessionKeys } from './sessions.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

const RECENT_IDS_KEPT = 20_000;
const ARRIVALS_REFRESH_MS = 3000;
// The events the arrival curve counts: check-ins, refusals and conflicts.
const CURVE_TYPES = new Set<StreamEvent['type']>(['checked_in', ...CONFLICT_TYPES, ...REFUSAL_TYPES]);

// One EventSource for the dashboard: audit events patch the cached rows they concern (in batches of
// 50 ms); events the cache cannot express on its own (see refetchDelayMs) refetch the list; a reconnect
// refetches all.
export function useLiveEvents(onEvent: (event: StreamEvent) => void): LiveStatus {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  // A closed EventSource (the server answered an error instead of a stream) does not retry by itself.
  const [generation, setGeneration] = useState(0);
  const announce = useEffectEvent(onEvent);

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
      const delays = events.filter((event) => known.has(event.code)).map(refetchDelayMs).filter((delay) => delay !== undefined);
      if (delays.length > 0) refetchWithin(Math.min(...delays));
      // The overview's counts, and the all-sessions list, which lacks whoever just started needing a proctor.
      const attention = events.filter((event) => {
        const rule = EVENT_RULES[event.type];
        return rule.conflict !== 'keep' || rule.request !== 'keep' || rule.unthrottles || rule.countsFailure;
      });
      if (attention.length > 0) {
        allListMissesSome ||= attention.some((event) => !known.has(event.code));
        clearTimeout(overviewTimer);
        overviewTimer = setTimeout(() => {
          void queryClient.invalidateQueries({ queryKey: sessionKeys.overview() });
          if (allListMissesSome) void queryClient.invalidateQueries({ queryKey: participantKeys.list({ session: 'all' }) });
          allListMissesSome = false;
        }, 300);
      }
      // A room added or changed is a change of its session (room add in the CLI).
      if (events.some((event) => event.type === 'session_changed')) {
        void queryClient.invalidateQueries({ queryKey: sessionKeys.all });
        void queryClient.invalidateQueries({ queryKey: roomKeys.all });
      }
      if (events.some((event) => event.type === 'incident_recorded')) void queryClient.invalidateQueries({ queryKey: incidentKeys.all });
      // The arrival curve is a grouped read (and the server serves a read up to 2 s old): asked again at
      // most every few seconds, however fast events come, and once more after the last of a burst.
      if (events.some((event) => CURVE_TYPES.has(event.type))) {
        lastCurveEventAt = Date.now();
        const refresh = () => {
          arrivalsTimer = undefined;
          void queryClient.invalidateQueries({ queryKey: arrivalKeys.all });
          if (Date.now() - lastCurveEventAt < ARRIVALS_REFRESH_MS) arrivalsTimer = setTimeout(refresh, ARRIVALS_REFRESH_MS);
        };
        arrivalsTimer ??= setTimeout(refresh, ARRIVALS_REFRESH_MS);
      }
    };
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    // A reconnect served by another instance may repeat a few events (see the README's live stream); a
    // refusal must not be counted twice.
    const recentIds = new Set<number>();
    const alreadyApplied = (id: number) => {
      if (recentIds.has(id)) return true;
      recentIds.add(id);
      if (recentIds.size > RECENT_IDS_KEPT) recentIds.delete(recentIds.values().next().value!);
      return false;
    };
    let overviewTimer: ReturnType<typeof setTimeout> | undefined;
    let arrivalsTimer: ReturnType<typeof setTimeout> | undefined;
    let lastCurveEventAt = 0;
    let allListMissesSome = false;
    let refetchTimer: ReturnType<typeof setTimeout> | undefined;
    let refetchAt = Number.POSITIVE_INFINITY;
    // One refetch for everything that asked for one, as early as the most urgent asked.
    const refetchWithin = (ms: number) => {
      if (Date.now() + ms >= refetchAt) return;
      clearTimeout(refetchTimer);
      refetchAt = Date.now() + ms;
      refetchTimer = setTimeout(() => {
        refetchAt = Number.POSITIVE_INFINITY;
        void queryClient.invalidateQueries({ queryKey: participantKeys.all });
      }, ms);
    };
    source.onopen = () => {
      setStatus('live');
      if (opened) {
        refetchWithin(150);
        void queryClient.invalidateQueries({ queryKey: sessionKeys.overview() });
      }
      opened = true;
    };
    source.onerror = () => {
      setStatus('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        // Maybe the session ended: the session query then sends the proctor to the login page.
        void queryClient.invalidateQueries({ queryKey: proctorKeys.session() });
        retryTimer = setTimeout(() => setGeneration((value) => value + 1), 2000);
      }
    };
    // The server no longer has what this dashboard missed (it was away too long): its lists are read again.
    source.addEventListener('refetch', () => {
      refetchWithin(150);
      void queryClient.invalidateQueries({ queryKey: sessionKeys.overview() });
    });
    source.addEventListener('audit', (message) => {
      const parsed = StreamEventSchema.safeParse(JSON.parse((message as MessageEvent<string>).data));
      if (!parsed.success || alreadyApplied(parsed.data.id)) return;
      queued.push(parsed.data);
      flushTimer ??= setTimeout(flush, 50);
      announce(parsed.data);
    });
    return () => {
      clearTimeout(flushTimer);
      clearTimeout(refetchTimer);
      clearTimeout(retryTimer);
      clearTimeout(overviewTimer);
      clearTimeout(arrivalsTimer);
      source.close();
    };
  }, [queryClient, generation]);

  return status;
}
