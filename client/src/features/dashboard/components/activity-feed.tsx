import { useIntl } from 'react-intl';
import type { StreamEvent } from '../../../../../contracts/proctor.ts';
import { formatTime } from './format.ts';

// What a proctor should notice as it happens, newest first: a refused device, a copied device key, a device proof that did not hold, an attempt from outside the
// window or the exam networks, a participant whose device moved networks, a change of the settings, an incident.
export const NOTABLE = new Set<StreamEvent['type']>(['device_conflict', 'device_key_copied', 'device_proof_refused', 'network_changed', 'not_open_yet', 'check_in_closed', 'outside_allowed_networks', 'room_full', 'device_shared', 'checked_in_shared_device', 'session_changed', 'throttle_cleared', 'withdrawn', 'reinstated', 'incident_recorded', 'seat_changed']);

export function ActivityFeed({ events, timeZone }: { events: StreamEvent[]; timeZone: string | undefined }) {
  const intl = useIntl();
  return (
    <section className="panel activity" aria-labelledby="activity-title">
      <h2 id="activity-title">{intl.formatMessage({ id: 'activity.title' })}</h2>
      {events.length === 0 ? (
        <p className="muted">{intl.formatMessage({ id: 'activity.empty' })}</p>
      ) : (
        // It scrolls, and holds nothing focusable: a keyboard reaches it itself.
        <ol className="activity-list" tabIndex={0} aria-labelledby="activity-title">
          {events.map((event) => (
            <li key={event.id} className={`activity-item activity-${event.type}`}>
              <time dateTime={event.at}>{formatTime(intl, event.at, timeZone)}</time>{' '}
              {intl.formatMessage(
                { id: `activity.${event.type}` },
                {
                  code: <bdi className="code">{event.code}</bdi>,
                  ip: <bdi className="ip">{event.ip ?? '?'}</bdi>,
                  from: <bdi className="ip">{event.lockedIpBefore ?? '?'}</bdi>,
                  to: <bdi className="ip">{event.lockedIpAfter ?? '?'}</bdi>,
                  device: <bdi className="fingerprint">{event.device ?? '?'}</bdi>,
                  actor: event.actor ?? '?',
                  hasCode: event.code === '' ? 'no' : 'yes',
                  seat: <bdi>{event.seat ?? ''}</bdi>,
                  hasSeat: event.seat === null ? 'no' : 'yes',
                  other: <bdi className="code">{event.sharedWith ?? '?'}</bdi>,
                },
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
