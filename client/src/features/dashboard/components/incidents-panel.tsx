import { useQuery } from '@tanstack/react-query';
import { useIntl } from 'react-intl';
import { incidentsQuery } from '../api/incidents.ts';
import { formatTime } from './format.ts';
import type { IncidentDraft } from './incident-dialog.tsx';

// What proctors wrote down during the exam, newest first, live. Entries are never changed: a correction is
// a new entry, and the one it corrects says so.
export function IncidentsPanel({ sessionId, timeZone, onRecord }: { sessionId: number; timeZone: string | undefined; onRecord: (draft: IncidentDraft) => void }) {
  const intl = useIntl();
  const incidents = useQuery(incidentsQuery(sessionId));
  const newestFirst = [...(incidents.data ?? [])].reverse();
  return (
    <section className="panel incidents" aria-labelledby="incidents-title">
      <h2 id="incidents-title">
        {intl.formatMessage({ id: 'incidents.title' })} <span className="count">{intl.formatNumber(newestFirst.length)}</span>
      </h2>
      <button type="button" onClick={() => onRecord({ sessionId })}>
        {intl.formatMessage({ id: 'incidents.record' })}
      </button>
      {incidents.isError ? (
        <p role="alert" className="notice">
          {intl.formatMessage({ id: 'incidents.loadFailed' })}
        </p>
      ) : newestFirst.length === 0 ? (
        <p className="muted">{intl.formatMessage({ id: 'incidents.empty' })}</p>
      ) : (
        <ol className="incident-list" aria-labelledby="incidents-title">
          {newestFirst.map((incident) => (
            <li key={incident.id} className={`incident${incident.correctedBy === null ? '' : ' is-corrected'}`}>
              <p className="incident-head">
                <time dateTime={incident.at}>{formatTime(intl, incident.at, timeZone)}</time>{' '}
                <span className="tag">{intl.formatMessage({ id: `incident.category.${incident.category}` })}</span>{' '}
                {incident.participant ? (
                  <>
                    <bdi>{incident.participant.fullName}</bdi> <bdi className="code">{incident.participant.code}</bdi>
                  </>
                ) : (
                  intl.formatMessage({ id: 'incidents.wholeSession' })
                )}
              </p>
              <p className="incident-text">{incident.text === null ? <span className="muted">{intl.formatMessage({ id: 'incidents.purged' })}</span> : <bdi>{incident.text}</bdi>}</p>
              <p className="incident-meta muted">
                {intl.formatMessage({ id: 'incidents.by' }, { proctor: <bdi>{incident.proctor ?? '?'}</bdi>, id: incident.id })}
                {incident.corrects !== null && <> · {intl.formatMessage({ id: 'incidents.correction' }, { id: incident.corrects })}</>}
                {incident.correctedBy !== null && <> · <strong>{intl.formatMessage({ id: 'incidents.corrected' }, { id: incident.correctedBy })}</strong></>}
              </p>
              {incident.correctedBy === null && (
                <button type="button" className="link-button" onClick={() => onRecord({ sessionId, corrects: incident })}>
                  {intl.formatMessage({ id: 'incidents.correct' })}
                  <span className="visually-hidden"> {intl.formatMessage({ id: 'incidents.entry' }, { id: incident.id })}</span>
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
