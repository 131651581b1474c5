import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import type { StreamEvent } from '../../../../../contracts/proctor.ts';
import { ApiError } from '../../../lib/api-client.ts';
import { navigate } from '../../../lib/router.ts';
import { proctorSessionQuery, useLogOut } from '../../proctor-auth/api/session.ts';
import { useLiveEvents } from '../api/live-events.ts';
import { participantsQuery } from '../api/participants.ts';
import { ConfirmDialog, type PendingAction } from './confirm-dialog.tsx';
import { ConflictFeed } from './conflict-feed.tsx';
import { ParticipantsTable } from './participants-table.tsx';

function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'unauthenticated';
}

export function DashboardPage() {
  const session = useQuery(proctorSessionQuery);
  useEffect(() => {
    if (isUnauthenticated(session.error)) navigate('/proctor/login', { replace: true });
  }, [session.error]);
  if (session.isPending) return <p className="page muted" role="status">Loading…</p>;
  if (session.isError) {
    return isUnauthenticated(session.error) ? null : (
      <main className="page">
        <div role="alert" className="notice">
          <p className="notice-title">Cannot load the dashboard</p>
          <p>{session.error.message}</p>
          <button type="button" onClick={() => void session.refetch()}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  return <Dashboard username={session.data.proctor.username} />;
}

function describeEvent(event: StreamEvent): string | undefined {
  if (event.type === 'device_conflict') return `Conflict: ${event.code} refused on ${event.ip ?? 'an unknown address'}`;
  if (event.type === 'device_change_requested') return `${event.code} asks to move to ${event.ip ?? 'another device'}`;
  return undefined;
}

function Dashboard({ username }: { username: string }) {
  const [sessionId, setSessionIdState] = useState<number | null>(() => {
    const fromUrl = Number(new URLSearchParams(window.location.search).get('session'));
    return Number.isInteger(fromUrl) && fromUrl > 0 ? fromUrl : null;
  });
  const setSessionId = (id: number) => {
    setSessionIdState(id);
    window.history.replaceState(null, '', `/proctor?session=${id}`);
  };
  const participants = useQuery(participantsQuery(sessionId));
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const logOut = useLogOut();
  const onEvent = useCallback((event: StreamEvent) => {
    const text = describeEvent(event);
    if (text) setAnnouncement(text);
  }, []);
  const live = useLiveEvents(onEvent);

  const list = participants.data?.participants ?? [];
  const counters = [
    { label: 'Total', value: list.length },
    { label: 'Not checked in', value: list.filter((p) => p.status === 'unused').length },
    { label: 'In progress', value: list.filter((p) => p.status === 'in_progress').length },
    { label: 'Finished', value: list.filter((p) => p.status === 'expired').length },
    { label: 'Open conflicts', value: list.filter((p) => p.openConflict).length, alert: true },
    { label: 'Pending requests', value: list.filter((p) => p.pendingRequest).length, alert: true },
  ];

  return (
    <div className="dashboard">
      <header className="dash-header">
        <div>
          <p className="brand">examgate · proctor</p>
          <h1>{participants.data?.session?.name ?? 'No exam session yet'}</h1>
          {participants.data && participants.data.sessions.length > 1 && (
            <label>
              Exam session{' '}
              <select value={participants.data.session?.id ?? ''} onChange={(e) => setSessionId(Number(e.target.value))}>
                {participants.data.sessions.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        <p className={`live live-${live}`} role="status">
          <span aria-hidden="true">{live === 'live' ? '● ' : '◌ '}</span>
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </p>
        <div className="who">
          <span>{username}</span>
          <a href="/api/proctor/events.csv" download>
            Export audit log (CSV)
          </a>
          <button type="button" onClick={() => logOut.mutate(undefined, { onSettled: () => navigate('/proctor/login', { replace: true }) })}>
            Log out
          </button>
        </div>
      </header>
      <ul className="counters" aria-label="Counters">
        {counters.map((counter) => (
          <li key={counter.label} className={counter.alert && counter.value > 0 ? 'counter alert' : 'counter'}>
            <span className="counter-value">{counter.value}</span>
            <span className="counter-label">{counter.label}</span>
          </li>
        ))}
      </ul>
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      {participants.isError ? (
        <div role="alert" className="notice">
          <p className="notice-title">Cannot load participants</p>
          <p>{participants.error.message}</p>
          <button type="button" onClick={() => void participants.refetch()}>
            Try again
          </button>
        </div>
      ) : participants.isPending ? (
        <p className="muted" role="status">
          Loading participants…
        </p>
      ) : (
        <div className="dash-body">
          <ConflictFeed participants={list} onAction={setPending} />
          <ParticipantsTable participants={list} onAction={setPending} />
        </div>
      )}
      <ConfirmDialog pending={pending} onClose={() => setPending(null)} />
    </div>
  );
}
