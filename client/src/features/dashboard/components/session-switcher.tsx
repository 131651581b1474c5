import { useId } from 'react';
import { useIntl } from 'react-intl';
import type { SessionOverview } from '../../../../../contracts/proctor.ts';
import type { SessionView } from '../api/participants.ts';

export const needsProctor = (session: SessionOverview) => session.openConflicts + session.pendingRequests + session.throttled;

// Every session with what is open in it, and the view of all sessions' open items.
export function SessionSwitcher({ sessions, shown, onChange }: { sessions: SessionOverview[]; shown: SessionView; onChange: (view: SessionView) => void }) {
  const intl = useIntl();
  const id = useId();
  const open = sessions.reduce((sum, session) => sum + needsProctor(session), 0);
  return (
    <span className="session-switch">
      <label htmlFor={id}>{intl.formatMessage({ id: 'dashboard.sessionSwitch' })}</label>
      <select id={id} value={shown ?? ''} onChange={(e) => onChange(e.target.value === 'all' ? 'all' : Number(e.target.value))}>
        {sessions.map((session) => (
          <option key={session.id} value={session.id}>
            {intl.formatMessage({ id: 'switcher.option' }, { name: session.name, conflicts: session.openConflicts, requests: session.pendingRequests })}
          </option>
        ))}
        <option value="all">{intl.formatMessage({ id: 'switcher.all' }, { count: open })}</option>
      </select>
    </span>
  );
}

// Sessions other than the one on screen that have something open: one click away.
export function OtherSessionsBanner({ sessions, shownId, onShow }: { sessions: SessionOverview[]; shownId: number | undefined; onShow: (view: SessionView) => void }) {
  const intl = useIntl();
  const others = sessions.filter((session) => session.id !== shownId && needsProctor(session) > 0);
  if (others.length === 0) return null;
  return (
    <div className="notice other-sessions" role="status">
      <p className="notice-title">{intl.formatMessage({ id: 'banner.title' })}</p>
      <ul>
        {others.map((session) => (
          <li key={session.id}>
            <bdi>{intl.formatMessage({ id: 'banner.session' }, { name: session.name, conflicts: session.openConflicts, requests: session.pendingRequests, throttled: session.throttled })}</bdi>{' '}
            <button type="button" onClick={() => onShow(session.id)}>
              {intl.formatMessage({ id: 'banner.show' }, { name: session.name })}
            </button>
          </li>
        ))}
      </ul>
      {others.length > 1 && (
        <button type="button" onClick={() => onShow('all')}>
          {intl.formatMessage({ id: 'banner.showAll' })}
        </button>
      )}
    </div>
  );
}
