import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useIntl } from 'react-intl';
import type { AttendanceRecord, LockChange } from '../../../../../contracts/attendance-record.ts';
import type { Incident } from '../../../../../contracts/incidents.ts';
import { LanguageSwitcher } from '../../../i18n/language-switcher.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { navigate } from '../../../lib/router.ts';
import { deviceLabel, formatDateTime, formatTime } from '../../dashboard/components/format.ts';
import { proctorSessionQuery } from '../../proctor-auth/api/session.ts';
import { recordQuery, useSealNow } from '../api/record.ts';

const sessionFromAddress = () => {
  const id = Number(new URLSearchParams(window.location.search).get('session'));
  return Number.isInteger(id) && id > 0 ? id : undefined;
};

// /proctor/record?session=ID: the attendance record, to read on screen and to print (the print stylesheet
// drops the controls). In the proctor's language, times in the exam's time zone.
export function RecordPage() {
  const intl = useIntl();
  const proctor = useQuery(proctorSessionQuery);
  const sessionId = sessionFromAddress();
  const record = useQuery({ ...recordQuery(sessionId ?? 0), enabled: sessionId !== undefined && proctor.isSuccess });
  const unauthenticated = proctor.error instanceof ApiError && proctor.error.code === 'unauthenticated';
  useEffect(() => {
    if (unauthenticated) navigate('/proctor/login', { replace: true });
  }, [unauthenticated]);

  if (sessionId === undefined) return <RecordProblem message={intl.formatMessage({ id: 'record.noSession' })} />;
  if (proctor.isError || record.isError) {
    if (unauthenticated) return null;
    const missing = record.error instanceof ApiError && record.error.code === 'not_found';
    return <RecordProblem message={intl.formatMessage({ id: missing ? 'record.notFound' : 'record.loadFailed' })} onRetry={missing ? undefined : () => void record.refetch()} />;
  }
  if (!record.data) {
    return (
      <p className="page muted" role="status">
        {intl.formatMessage({ id: 'record.loading' })}
      </p>
    );
  }
  return <Record record={record.data} />;
}

function RecordProblem({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const intl = useIntl();
  return (
    <main className="page">
      <div role="alert" className="notice">
        <p className="notice-title">{message}</p>
        {onRetry && (
          <button type="button" onClick={onRetry}>
            {intl.formatMessage({ id: 'dashboard.retry' })}
          </button>
        )}
        <p>
          <a href="/proctor">{intl.formatMessage({ id: 'record.back' })}</a>
        </p>
      </div>
    </main>
  );
}

// The latest moment the record shows: a seal older than it does not cover all of it.
function lastActivity(record: AttendanceRecord): string | undefined {
  const times = [
    ...record.entries.flatMap(({ participant, lockChanges, incidents }) => [participant.enteredAt, participant.deviceLockedAt, ...lockChanges.map((c) => c.at), ...incidents.map((i) => i.at)]),
    ...record.sessionIncidents.map((incident) => incident.at),
  ].filter((time): time is string => time !== null);
  return times.sort().at(-1);
}

function Record({ record }: { record: AttendanceRecord }) {
  const intl = useIntl();
  const seal = useSealNow(record.session.id);
  const zone = record.session.timeZone;
  const latest = lastActivity(record);
  const sealCoversAll = record.seal !== null && (latest === undefined || record.seal.sealedAt >= latest);
  const noShows = record.entries.filter((entry) => !entry.participant.withdrawn && entry.participant.enteredAt === null);
  const totals = [
    ['record.totals.expected', record.totals.expected],
    ['record.totals.present', record.totals.present],
    ['record.totals.noShows', record.totals.noShows],
    ['record.totals.withdrawn', record.totals.withdrawn],
    ['record.totals.lockChanges', record.totals.lockChanges],
    ['record.totals.incidents', record.totals.incidents],
  ] as const;

  return (
    <main className="record">
      <nav className="record-controls no-print" aria-label={intl.formatMessage({ id: 'record.controls' })}>
        <a href={`/proctor?session=${record.session.id}`}>{intl.formatMessage({ id: 'record.back' })}</a>
        <LanguageSwitcher />
        {/* A seal is every chain's head (a row each): offered only when the latest one does not cover the record. */}
        {!sealCoversAll && (
          <button type="button" onClick={() => seal.mutate()} aria-busy={seal.isPending}>
            {intl.formatMessage({ id: seal.isPending ? 'dialog.working' : 'record.sealNow' })}
          </button>
        )}
        <a href={`/api/proctor/record.csv?session=${record.session.id}`} download>
          {intl.formatMessage({ id: 'record.csv' })}
        </a>
        <button type="button" className="primary" onClick={() => window.print()}>
          {intl.formatMessage({ id: 'record.print' })}
        </button>
      </nav>
      {seal.isError && (
        <p role="alert" className="notice no-print">
          {intl.formatMessage({ id: 'record.sealFailed' })}
        </p>
      )}
      <header className="record-header">
        <p className="brand">{intl.formatMessage({ id: 'record.brand' })}</p>
        <h1>
          {intl.formatMessage({ id: 'record.title' })}: <bdi>{record.session.name}</bdi>
        </h1>
        <p>
          {intl.formatMessage(
            { id: 'record.generated' },
            { at: formatDateTime(intl, record.generatedAt, zone), zone: <bdi>{zone}</bdi> },
          )}
        </p>
        <p className={`record-seal${sealCoversAll ? '' : ' is-stale'}`} data-testid="record-seal">
          {record.seal === null ? (
            intl.formatMessage({ id: 'record.notSealed' })
          ) : (
            <>
              {intl.formatMessage({ id: 'record.seal' }, { at: formatDateTime(intl, record.seal.sealedAt, zone), events: record.seal.events })}{' '}
              <bdi dir="ltr" className="code digest">
                {record.seal.digest}
              </bdi>
              {!sealCoversAll && <> {intl.formatMessage({ id: 'record.sealOlder' })}</>}
            </>
          )}
        </p>
      </header>

      <section aria-labelledby="record-totals">
        <h2 id="record-totals">{intl.formatMessage({ id: 'record.totals' })}</h2>
        <dl className="record-totals">
          {totals.map(([label, value]) => (
            <div key={label}>
              <dt>{intl.formatMessage({ id: label })}</dt>
              <dd>{intl.formatNumber(value)}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="record-participants">
        <h2 id="record-participants">{intl.formatMessage({ id: 'record.participants' })}</h2>
        <table className="record-table">
          <thead>
            <tr>
              <th scope="col">{intl.formatMessage({ id: 'record.col.participant' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'record.col.status' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'record.col.checkedIn' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'record.col.device' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'record.col.lockChanges' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'record.col.incidents' })}</th>
            </tr>
          </thead>
          <tbody>
            {record.entries.map(({ participant, lockChanges, incidents }) => (
              <tr key={participant.code}>
                <th scope="row">
                  <bdi>{participant.fullName}</bdi>
                  <br />
                  <bdi className="code">{participant.code}</bdi>
                </th>
                <td data-label={intl.formatMessage({ id: 'record.col.status' })}>
                  {intl.formatMessage({ id: `status.${participant.status}` })}
                  {participant.withdrawn && <> · {intl.formatMessage({ id: 'table.tag.withdrawn' })}</>}
                </td>
                <td data-label={intl.formatMessage({ id: 'record.col.checkedIn' })}>
                  {participant.enteredAt === null ? (
                    <strong>{intl.formatMessage({ id: 'record.noShow' })}</strong>
                  ) : (
                    <time dateTime={participant.enteredAt}>{formatTime(intl, participant.enteredAt, zone)}</time>
                  )}
                </td>
                <td data-label={intl.formatMessage({ id: 'record.col.device' })}>
                  {participant.lockedIp === null && participant.lockedDevice === null ? (
                    '—'
                  ) : (
                    <>
                      <bdi className="ip">{participant.lockedIp ?? '—'}</bdi>
                      <br />
                      {participant.lockedDevice && <bdi className="fingerprint">{intl.formatMessage({ id: 'device.fingerprint' }, { fingerprint: participant.lockedDevice })}</bdi>}{' '}
                      {deviceLabel(intl, participant.lockedUserAgent)}
                    </>
                  )}
                </td>
                <td data-label={intl.formatMessage({ id: 'record.col.lockChanges' })}>
                  <LockChanges changes={lockChanges} zone={zone} />
                </td>
                <td data-label={intl.formatMessage({ id: 'record.col.incidents' })}>
                  <IncidentList incidents={incidents} zone={zone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="record-noshows">
        <h2 id="record-noshows">
          {intl.formatMessage({ id: 'record.noShows' })} ({intl.formatNumber(noShows.length)})
        </h2>
        {noShows.length === 0 ? (
          <p>{intl.formatMessage({ id: 'record.noShows.none' })}</p>
        ) : (
          <ul className="record-noshows">
            {noShows.map(({ participant }) => (
              <li key={participant.code}>
                <bdi>{participant.fullName}</bdi> (<bdi className="code">{participant.code}</bdi>)
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="record-session-incidents">
        <h2 id="record-session-incidents">{intl.formatMessage({ id: 'record.sessionIncidents' })}</h2>
        {record.sessionIncidents.length === 0 ? <p>{intl.formatMessage({ id: 'record.none' })}</p> : <IncidentList incidents={record.sessionIncidents} zone={zone} />}
      </section>
    </main>
  );
}

function LockChanges({ changes, zone }: { changes: LockChange[]; zone: string }) {
  const intl = useIntl();
  if (changes.length === 0) return <>—</>;
  return (
    <ul className="record-list">
      {changes.map((change) => (
        <li key={change.id}>
          {intl.formatMessage(
            { id: change.type === 'lock_reset' ? 'record.lockReset' : 'record.lockMoved' },
            {
              at: formatTime(intl, change.at, zone),
              proctor: <bdi>{change.proctor ?? '?'}</bdi>,
              to: <bdi className="ip">{change.toIp ?? change.toDevice ?? '?'}</bdi>,
              reason: <bdi>{change.reason ?? intl.formatMessage({ id: 'incidents.purged' })}</bdi>,
            },
          )}
        </li>
      ))}
    </ul>
  );
}

function IncidentList({ incidents, zone }: { incidents: Incident[]; zone: string }) {
  const intl = useIntl();
  if (incidents.length === 0) return <>—</>;
  return (
    <ul className="record-list">
      {incidents.map((incident) => (
        <li key={incident.id} className={incident.correctedBy === null ? undefined : 'is-corrected'}>
          {formatTime(intl, incident.at, zone)} · <strong>{intl.formatMessage({ id: `incident.category.${incident.category}` })}</strong> ·{' '}
          <bdi>{incident.text ?? intl.formatMessage({ id: 'incidents.purged' })}</bdi> ({intl.formatMessage({ id: 'incidents.by' }, { proctor: <bdi>{incident.proctor ?? '?'}</bdi>, id: incident.id })}
          {incident.corrects !== null && <>, {intl.formatMessage({ id: 'incidents.correction' }, { id: incident.corrects })}</>}
          {incident.correctedBy !== null && <>, {intl.formatMessage({ id: 'incidents.corrected' }, { id: incident.correctedBy })}</>})
        </li>
      ))}
    </ul>
  );
}
