import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useRef, useState } from 'react';
import { type IntlShape, useIntl } from 'react-intl';
import type { ExamSessionSettings } from '../../../../../contracts/exam-session.ts';
import { type DeviceSharing, deviceSharingModes, type LockPolicy, lockPolicies } from '../../../../../contracts/lock-policy.ts';
import { type RoomCodeMode, roomCodeModes } from '../../../../../contracts/room-codes.ts';
import { type Seating, seatingModes } from '../../../../../contracts/rooms.ts';
import { useNow } from '../../../lib/use-now.ts';
import { utcToWallTime, wallTimeToUtc } from '../../../../../contracts/zoned-time.ts';
import { sessionSettingsQuery, useChangeSession } from '../api/sessions.ts';
import { webhooksQuery } from '../api/webhooks.ts';
import { ActionError, ReasonField } from './dialog-parts.tsx';
import { formatDateTime } from './format.ts';

function countdown(intl: IntlShape, ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return intl.formatRelativeTime(seconds, 'second');
  if (seconds < 2 * 3600) return intl.formatRelativeTime(Math.round(seconds / 60), 'minute');
  return intl.formatRelativeTime(Math.round(seconds / 3600), 'hour');
}

// `canChange`: a chief proctor's; a room proctor reads the settings and cannot change them.
export function SessionPanel({ sessionId, canChange }: { sessionId: number; canChange: boolean }) {
  const intl = useIntl();
  const settings = useQuery(sessionSettingsQuery(sessionId));
  const [editing, setEditing] = useState(false);
  const opensAt = settings.data?.opensAt ? Date.parse(settings.data.opensAt) : undefined;
  const now = useNow(1000, opensAt !== undefined);
  if (!settings.data) return null;
  const session = settings.data;
  const zone = session.timeZone;
  const window =
    session.opensAt === null && session.closesAt === null
      ? intl.formatMessage({ id: 'session.window.always' })
      : intl.formatMessage(
          { id: 'session.window.range' },
          {
            opens: session.opensAt ? formatDateTime(intl, session.opensAt, zone) : intl.formatMessage({ id: 'session.window.now' }),
            closes: session.closesAt ? formatDateTime(intl, session.closesAt, zone) : intl.formatMessage({ id: 'session.window.open' }),
          },
        );
  const state =
    opensAt !== undefined && opensAt > now
      ? intl.formatMessage({ id: 'session.state.opensIn' }, { when: countdown(intl, opensAt - now) })
      : session.closesAt && Date.parse(session.closesAt) <= now
        ? intl.formatMessage({ id: 'session.state.closed' })
        : intl.formatMessage({ id: 'session.state.open' });
  return (
    <section className="panel session-panel" aria-labelledby="session-title">
      <h2 id="session-title">{intl.formatMessage({ id: 'session.title' })}</h2>
      <dl className="session-facts">
        <ChoiceFact label={intl.formatMessage({ id: 'session.policy' })} family="policy" choice={session.lockPolicy} />
        <ChoiceFact label={intl.formatMessage({ id: 'session.seating' })} family="seating" choice={session.seating} />
        <ChoiceFact label={intl.formatMessage({ id: 'session.deviceSharing' })} family="deviceSharing" choice={session.deviceSharing} />
        <ChoiceFact label={intl.formatMessage({ id: 'session.roomCodes' })} family="roomCodes" choice={session.roomCodes} />
        <div>
          <dt>{intl.formatMessage({ id: 'session.window' })}</dt>
          <dd>
            <span className={`window-state${opensAt !== undefined && opensAt > now ? ' before' : ''}`} role="status">
              {state}
            </span>{' '}
            <span className="muted">
              {window} (<bdi>{zone}</bdi>)
            </span>
          </dd>
        </div>
        <div>
          <dt>{intl.formatMessage({ id: 'session.networks' })}</dt>
          <dd>
            {session.allowedNetworks.length === 0
              ? intl.formatMessage({ id: 'session.networks.any' })
              : intl.formatList(
                  session.allowedNetworks.map((network) => (
                    <bdi key={network} className="ip">
                      {network}
                    </bdi>
                  )),
                  { type: 'unit' },
                )}
          </dd>
        </div>
        <WebhookFacts sessionId={session.id} timeZone={zone} />
        <div>
          <dt>{intl.formatMessage({ id: 'session.continue' })}</dt>
          <dd>{session.continueUrl === null ? intl.formatMessage({ id: 'session.continue.none' }) : <bdi className="url">{session.continueUrl}</bdi>}</dd>
        </div>
      </dl>
      {canChange && (
        <button type="button" onClick={() => setEditing(true)}>
          {intl.formatMessage({ id: 'session.change' })}
        </button>
      )}
      {canChange && editing && <SessionSettingsDialog session={session} onClose={() => setEditing(false)} />}
    </section>
  );
}

// A failing webhook is shown in the danger colour with its error: the exam platform is not hearing about
// check-ins, and the organiser should know before the participants do.
function WebhookFacts({ sessionId, timeZone }: { sessionId: number; timeZone: string }) {
  const intl = useIntl();
  const webhooks = useQuery(webhooksQuery(sessionId));
  if (!webhooks.data || webhooks.data.length === 0) return null;
  return (
    <div>
      <dt>{intl.formatMessage({ id: 'session.webhooks' })}</dt>
      <dd>
        <ul className="webhooks">
          {webhooks.data.map((webhook) => (
            <li key={webhook.id} className={webhook.failingSince === null ? undefined : 'webhook-failing'}>
              <bdi className="url">{webhook.url}</bdi>{' '}
              {webhook.failingSince === null
                ? intl.formatMessage({ id: 'session.webhooks.ok' }, { pending: webhook.pending })
                : intl.formatMessage(
                    { id: 'session.webhooks.failing' },
                    { since: formatDateTime(intl, webhook.failingSince, timeZone), error: webhook.lastError ?? '?', pending: webhook.pending },
                  )}
              {webhook.gaveUp > 0 && <> {intl.formatMessage({ id: 'session.webhooks.gaveUp' }, { count: webhook.gaveUp })}</>}
            </li>
          ))}
        </ul>
      </dd>
    </div>
  );
}

// Changing the policy or the window of a running exam is audited with a reason, and refused (stale_update)
// when someone else changed the settings since this page loaded them.
function SessionSettingsDialog({ session, onClose }: { session: ExamSessionSettings; onClose: () => void }) {
  const intl = useIntl();
  const change = useChangeSession(session.id);
  const [policy, setPolicy] = useState<LockPolicy>(session.lockPolicy);
  const [seating, setSeating] = useState<Seating>(session.seating);
  const [deviceSharing, setDeviceSharing] = useState<DeviceSharing>(session.deviceSharing);
  const [roomCodes, setRoomCodes] = useState<RoomCodeMode>(session.roomCodes);
  const [opens, setOpens] = useState(session.opensAt ? utcToWallTime(session.opensAt, session.timeZone) : '');
  const [closes, setCloses] = useState(session.closesAt ? utcToWallTime(session.closesAt, session.timeZone) : '');
  const [continueUrl, setContinueUrl] = useState(session.continueUrl ?? '');
  const [reason, setReason] = useState('');
  const ids = { title: useId(), opens: useId(), closes: useId(), continueUrl: useId(), continueHint: useId(), reason: useId() };
  const dialogRef = useRef<HTMLDialogElement>(null);
  const openModal = (dialog: HTMLDialogElement | null) => {
    dialogRef.current = dialog;
    if (dialog && !dialog.open) dialog.showModal();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (change.isPending || reason.trim() === '') return;
    change.mutate(
      {
        version: session.version,
        reason: reason.trim(),
        lockPolicy: policy,
        seating,
        deviceSharing,
        roomCodes,
        opensAt: opens ? wallTimeToUtc(opens, session.timeZone) : null,
        closesAt: closes ? wallTimeToUtc(closes, session.timeZone) : null,
        continueUrl: continueUrl.trim() === '' ? null : continueUrl.trim(),
      },
      { onSuccess: onClose },
    );
  };

  return (
    <dialog ref={openModal} className="dialog" aria-labelledby={ids.title} onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id={ids.title}>{intl.formatMessage({ id: 'session.dialog.title' }, { name: session.name })}</h2>
        <ChoiceField label={intl.formatMessage({ id: 'session.policy' })} family="policy" choices={lockPolicies} value={policy} onChange={setPolicy} />
        <ChoiceField label={intl.formatMessage({ id: 'session.seating' })} family="seating" choices={seatingModes} value={seating} onChange={setSeating} />
        <ChoiceField label={intl.formatMessage({ id: 'session.deviceSharing' })} family="deviceSharing" choices={deviceSharingModes} value={deviceSharing} onChange={setDeviceSharing} />
        <ChoiceField label={intl.formatMessage({ id: 'session.roomCodes' })} family="roomCodes" choices={roomCodeModes} value={roomCodes} onChange={setRoomCodes} />
        <div className="field-pair">
          <div className="field">
            <label htmlFor={ids.opens}>{intl.formatMessage({ id: 'session.dialog.opens' }, { zone: session.timeZone })}</label>
            <input id={ids.opens} type="datetime-local" value={opens} onChange={(e) => setOpens(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.closes}>{intl.formatMessage({ id: 'session.dialog.closes' }, { zone: session.timeZone })}</label>
            <input id={ids.closes} type="datetime-local" value={closes} onChange={(e) => setCloses(e.target.value)} />
          </div>
        </div>
        <div className="field">
          <label htmlFor={ids.continueUrl}>{intl.formatMessage({ id: 'session.dialog.continueUrl' })}</label>
          <input id={ids.continueUrl} type="url" inputMode="url" value={continueUrl} aria-describedby={ids.continueHint} onChange={(e) => setContinueUrl(e.target.value)} />
          <p id={ids.continueHint} className="muted">
            {intl.formatMessage({ id: 'session.dialog.continueUrl.hint' })}
          </p>
        </div>
        <ReasonField id={ids.reason} value={reason} onChange={setReason} />
        <ActionError error={change.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={reason.trim() === ''} aria-busy={change.isPending}>
            {intl.formatMessage({ id: change.isPending ? 'dialog.working' : 'session.dialog.save' })}
          </button>
          <button type="button" onClick={() => dialogRef.current?.close()}>
            {intl.formatMessage({ id: 'dialog.cancel' })}
          </button>
        </div>
      </form>
    </dialog>
  );
}

// A setting chosen from a fixed list, each choice shown with its name and what it means (the catalog's
// `<family>.<choice>.name` and `.hint`).
function ChoiceField<T extends string>({ label, family, choices, value, onChange }: { label: string; family: string; choices: readonly T[]; value: T; onChange: (value: T) => void }) {
  const intl = useIntl();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {intl.formatMessage({ id: `${family}.${choice}.name` })} — {intl.formatMessage({ id: `${family}.${choice}.hint` })}
          </option>
        ))}
      </select>
    </div>
  );
}

function ChoiceFact({ label, family, choice }: { label: string; family: string; choice: string }) {
  const intl = useIntl();
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        <strong>{intl.formatMessage({ id: `${family}.${choice}.name` })}</strong>
        <span className="muted"> · {intl.formatMessage({ id: `${family}.${choice}.hint` })}</span>
      </dd>
    </div>
  );
}
