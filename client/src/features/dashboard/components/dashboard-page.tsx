import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type IntlShape, useIntl } from 'react-intl';
import { countParticipants, type ProctorParticipant, type ProctorSession, type StreamEvent } from '../../../../../contracts/proctor.ts';
import { LanguageSwitcher } from '../../../i18n/language-switcher.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { navigate } from '../../../lib/router.ts';
import { proctorSessionQuery, useLogOut } from '../../proctor-auth/api/session.ts';
import { recentEventsQuery } from '../api/events.ts';
import { useLiveEvents } from '../api/live-events.ts';
import { participantsQuery, type SessionView } from '../api/participants.ts';
import { sessionSettingsQuery, sessionsOverviewQuery } from '../api/sessions.ts';
import { ActivityFeed, NOTABLE } from './activity-feed.tsx';
import { ArrivalsPanel } from './arrivals-panel.tsx';
import { AddressUnthrottle } from './address-unthrottle.tsx';
import { ConfirmDialog, type PendingAction } from './confirm-dialog.tsx';
import { ConflictFeed } from './conflict-feed.tsx';
import { IncidentDialog, type IncidentDraft } from './incident-dialog.tsx';
import { IncidentsPanel } from './incidents-panel.tsx';
import { ParticipantsTable } from './participants-table.tsx';
import { SeatDialog } from './seat-dialog.tsx';
import { RoomsPanel } from './rooms-panel.tsx';
import { RoomCodePanel } from './room-code-panel.tsx';
import { SeatMapPanel } from './seat-map-panel.tsx';
import { roomsQuery } from '../api/rooms.ts';
import { SessionPanel } from './session-panel.tsx';
import { OtherSessionsBanner, SessionSwitcher } from './session-switcher.tsx';

function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'unauthenticated';
}

export function DashboardPage() {
  const intl = useIntl();
  const session = useQuery(proctorSessionQuery);
  useEffect(() => {
    if (isUnauthenticated(session.error)) navigate('/proctor/login', { replace: true });
  }, [session.error]);
  if (session.isPending) {
    return (
      <p className="page muted" role="status">
        {intl.formatMessage({ id: 'dashboard.loading' })}
      </p>
    );
  }
  if (session.isError) {
    return isUnauthenticated(session.error) ? null : (
      <main className="page">
        <div role="alert" className="notice">
          <p className="notice-title">{intl.formatMessage({ id: 'dashboard.loadFailed' })}</p>
          <button type="button" onClick={() => void session.refetch()}>
            {intl.formatMessage({ id: 'dashboard.retry' })}
          </button>
        </div>
      </main>
    );
  }
  return <Dashboard proctor={session.data.proctor} />;
}

function describeEvent(intl: IntlShape, event: StreamEvent): string | undefined {
  if (event.type === 'device_conflict' || event.type === 'device_key_copied') return intl.formatMessage({ id: 'announce.conflict' }, { code: event.code, ip: event.ip ?? '?' });
  if (event.type === 'device_change_requested') return intl.formatMessage({ id: 'announce.request' }, { code: event.code, ip: event.ip ?? '?' });
  return undefined;
}

const ACTIVITY_KEPT = 40;

const VIEW_KEY = 'examgate.dashboard.session';

function parseView(value: string | null): SessionView {
  if (value === 'all') return 'all';
  const id = Number(value);
  return Number.isInteger(id) && id > 0 ? id : null;
}

// The address bar wins (a shared link), then the proctor's last choice, then the session the server finds
// current (its check-in window is open, or it had the latest check-in).
function initialView(): SessionView {
  return parseView(new URLSearchParams(window.location.search).get('session')) ?? parseView(localStorage.getItem(VIEW_KEY));
}

// A room proctor's dashboard is their rooms': the server narrows every list and the stream; here the
// whole-session panels (the arrival curve, the incidents, the record, addresses) and the settings' Change
// are left out, and the first of their rooms in the shown session is opened.
function Dashboard({ proctor }: { proctor: ProctorSession['proctor'] }) {
  const { username } = proctor;
  const isChief = proctor.role === 'chief';
  const intl = useIntl();
  const [view, setViewState] = useState<SessionView>(initialView);
  const setView = (next: SessionView) => {
    setViewState(next);
    if (next === null) localStorage.removeItem(VIEW_KEY);
    else localStorage.setItem(VIEW_KEY, String(next));
    window.history.replaceState(null, '', next === null ? '/proctor' : `/proctor?session=${next}`);
  };
  const participants = useQuery(participantsQuery(view));
  const overview = useQuery(sessionsOverviewQuery);
  // A remembered or linked session that has since been deleted.
  const sessionGone = participants.error instanceof ApiError && participants.error.code === 'not_found';
  const allSessions = view === 'all';
  const shownSession = participants.data?.session ?? null;
  const sessionNames = new Map((participants.data?.sessions ?? []).map((session) => [session.id, session.name]));
  const settings = useQuery({ ...sessionSettingsQuery(shownSession?.id ?? 0), enabled: shownSession !== null });
  const rooms = useQuery({ ...roomsQuery(shownSession?.id ?? 0), enabled: shownSession !== null });
  const timeZone = settings.data?.timeZone;
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [incidentDraft, setIncidentDraft] = useState<IncidentDraft | null>(null);
  const [seating, setSeating] = useState<ProctorParticipant | null>(null);
  const [roomFilter, setRoomFilter] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const searchRef = useRef<HTMLInputElement>(null);
  // A room chosen in another session's overview does not filter this one.
  const roomShown = roomFilter !== null && rooms.data?.some((room) => room.name === roomFilter) ? roomFilter : null;
  const shownPlan = rooms.data?.find((room) => room.name === roomShown)?.plan ?? [];
  const ownRoom = isChief ? undefined : proctor.rooms.find((room) => room.sessionId === shownSession?.id)?.room;
  const [landedIn, setLandedIn] = useState<number | null>(null);
  if (ownRoom !== undefined && shownSession !== null && landedIn !== shownSession.id && rooms.data) {
    setLandedIn(shownSession.id);
    setRoomFilter(ownRoom);
  }
  const [announcement, setAnnouncement] = useState('');
  const [activity, setActivity] = useState<StreamEvent[]>([]);
  const recent = useQuery(recentEventsQuery);
  const logOut = useLogOut();
  const onEvent = useCallback(
    (event: StreamEvent) => {
      const text = describeEvent(intl, event);
      if (text) setAnnouncement(text);
      if (NOTABLE.has(event.type)) setActivity((current) => [event, ...current].slice(0, ACTIVITY_KEPT));
    },
    [intl],
  );
  const live = useLiveEvents(onEvent);

  const list: ProctorParticipant[] = participants.data?.participants ?? [];
  const codes = new Set(list.map((p) => p.code));
  const earlier = recent.data?.filter((event) => NOTABLE.has(event.type) && !activity.some((live) => live.id === event.id)) ?? [];
  const sessionActivity = [...activity, ...earlier]
    // A session's own changes, its participants' events, and what concerns every session (an address let
    // try again); on the all-sessions view, everything.
    .filter((event) => allSessions || (event.sessionId !== null ? event.sessionId === shownSession?.id : event.code === '' || codes.has(event.code)))
    .slice(0, ACTIVITY_KEPT);
  const counts = countParticipants(list);
  const attentionCounters = [
    { label: 'counter.conflicts', value: counts.openConflicts, alert: true },
    { label: 'counter.requests', value: counts.pendingRequests, alert: true },
  ];
  const counters = allSessions
    ? [...attentionCounters, { label: 'counter.throttled', value: list.filter((p) => p.throttled).length, alert: true }]
    : [
        { label: 'counter.total', value: counts.total, alert: false },
        { label: 'counter.unused', value: counts.unused, alert: false },
        { label: 'counter.inProgress', value: counts.inProgress, alert: false },
        { label: 'counter.expired', value: counts.expired, alert: false },
        ...attentionCounters,
      ];
  const overviewSessions = overview.data?.sessions ?? [];

  return (
    <div className="dashboard">
      <header className="dash-header">
        <div>
          <p className="brand">{intl.formatMessage({ id: 'brand.proctor' })}</p>
          <h1>{allSessions ? intl.formatMessage({ id: 'dashboard.allSessions' }) : shownSession ? <bdi>{shownSession.name}</bdi> : intl.formatMessage({ id: 'dashboard.noSession' })}</h1>
          {overviewSessions.length > 1 && <SessionSwitcher sessions={overviewSessions} shown={allSessions ? 'all' : (shownSession?.id ?? null)} onChange={setView} />}
        </div>
        <p className={`live live-${live}`} role="status">
          <span aria-hidden="true">{live === 'live' ? '● ' : '◌ '}</span>
          {intl.formatMessage({ id: `live.${live}` })}
        </p>
        <div className="who">
          <span>{username}</span>
          <LanguageSwitcher />
          {shownSession && isChief && <a href={`/proctor/record?session=${shownSession.id}`}>{intl.formatMessage({ id: 'dashboard.record' })}</a>}
          <a href="/api/proctor/events.csv" download>
            {intl.formatMessage({ id: 'dashboard.export' })}
          </a>
          <button type="button" onClick={() => logOut.mutate(undefined, { onSettled: () => navigate('/proctor/login', { replace: true }) })}>
            {intl.formatMessage({ id: 'dashboard.logout' })}
          </button>
        </div>
      </header>
      <ul className="counters" aria-label={intl.formatMessage({ id: 'counter.region' })}>
        {counters.map((counter) => (
          <li key={counter.label} className={counter.alert && counter.value > 0 ? 'counter alert' : 'counter'}>
            <span className="counter-value">{intl.formatNumber(counter.value)}</span>
            <span className="counter-label">{intl.formatMessage({ id: counter.label })}</span>
          </li>
        ))}
      </ul>
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      {!allSessions && <OtherSessionsBanner sessions={overviewSessions} shownId={shownSession?.id} onShow={setView} />}
      {allSessions && <p className="muted">{intl.formatMessage({ id: 'dashboard.allSessions.hint' })}</p>}
      {sessionGone ? (
        <div role="alert" className="notice">
          <p className="notice-title">{intl.formatMessage({ id: 'dashboard.sessionGone' })}</p>
          <button type="button" onClick={() => setView(null)}>
            {intl.formatMessage({ id: 'dashboard.showCurrent' })}
          </button>
        </div>
      ) : participants.isError ? (
        <div role="alert" className="notice">
          <p className="notice-title">{intl.formatMessage({ id: 'dashboard.participantsFailed' })}</p>
          <button type="button" onClick={() => void participants.refetch()}>
            {intl.formatMessage({ id: 'dashboard.retry' })}
          </button>
        </div>
      ) : participants.isPending ? (
        <p className="muted" role="status">
          {intl.formatMessage({ id: 'dashboard.loadingParticipants' })}
        </p>
      ) : (
        <div className="dash-body">
          <div className="dash-side">
            {shownSession && <SessionPanel sessionId={shownSession.id} canChange={isChief} />}
            <ConflictFeed participants={list} timeZone={timeZone} onAction={setPending} sessionNames={allSessions ? sessionNames : undefined} />
            {shownSession && isChief && <ArrivalsPanel sessionId={shownSession.id} timeZone={timeZone} />}
            {shownSession && isChief && <IncidentsPanel sessionId={shownSession.id} timeZone={timeZone} onRecord={setIncidentDraft} />}
            <ActivityFeed events={sessionActivity} timeZone={timeZone} />
          </div>
          <div className="dash-main">
            {shownSession && rooms.data && rooms.data.length > 0 && <RoomsPanel participants={list} rooms={rooms.data} onOpen={setRoomFilter} />}
            {shownSession && roomShown !== null && settings.data?.roomCodes === 'required' && <RoomCodePanel sessionId={shownSession.id} room={roomShown} timeZone={timeZone} />}
            {roomShown !== null && shownPlan.length > 0 && (
              <SeatMapPanel
                room={roomShown}
                plan={shownPlan}
                participants={list}
                onOpen={(code) => {
                  setSearch(code);
                  searchRef.current?.focus();
                }}
              />
            )}
            <ParticipantsTable
              participants={list}
              timeZone={timeZone}
              onAction={setPending}
              onIncident={(p) => setIncidentDraft({ sessionId: p.sessionId, participant: { code: p.code, fullName: p.fullName } })}
              onSeat={setSeating}
              hasRooms={(rooms.data?.length ?? 0) > 0}
              room={roomShown}
              onRoom={setRoomFilter}
              search={search}
              onSearch={setSearch}
              searchRef={searchRef}
              sessionNames={allSessions ? sessionNames : undefined}
            />
          </div>
          {isChief && <AddressUnthrottle onAction={setPending} />}
        </div>
      )}
      <ConfirmDialog pending={pending} onClose={() => setPending(null)} />
      <IncidentDialog draft={incidentDraft} participants={list} onClose={() => setIncidentDraft(null)} />
      <SeatDialog participant={seating} onClose={() => setSeating(null)} />
    </div>
  );
}
