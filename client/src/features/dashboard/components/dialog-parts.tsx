import { useEffect, useEffectEvent, useRef } from 'react';
import { useIntl } from 'react-intl';
import { REASON_MAX_LENGTH } from '../../../../../contracts/reason.ts';
import { ApiError } from '../../../lib/api-client.ts';

// The parts every proctor dialog shares: opening as a modal, the reason the audit log keeps, and why the
// server said no.

// A native modal <dialog> shown while `subject` is set (focus moves in, Escape cancels, the page behind is
// inert), with `onOpen` run first to fill the form for it.
export function useModalDialog<T>(subject: T | null, onOpen: (subject: T) => void) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const open = useEffectEvent((dialog: HTMLDialogElement, opened: T) => {
    onOpen(opened);
    dialog.showModal();
  });
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (subject !== null && !dialog.open) open(dialog, subject);
    if (subject === null && dialog.open) dialog.close();
  }, [subject]);
  return dialogRef;
}

export function ReasonField({ id, value, onChange, autoFocus }: { id: string; value: string; onChange: (value: string) => void; autoFocus?: boolean }) {
  const intl = useIntl();
  return (
    <>
      <label htmlFor={id}>{intl.formatMessage({ id: 'dialog.reason' })}</label>
      <textarea id={id} value={value} onChange={(e) => onChange(e.target.value)} rows={2} maxLength={REASON_MAX_LENGTH} required autoFocus={autoFocus} />
    </>
  );
}

export function ActionError({ error }: { error: unknown }) {
  const intl = useIntl();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : 'internal';
  return (
    <div role="alert" className="notice">
      <p className="notice-title">{intl.formatMessage({ id: `error.${code}.title` })}</p>
      <p>{intl.formatMessage({ id: `error.${code}.detail` }, { seconds: 0, minutes: 1, opensAt: '', known: 'no' })}</p>
    </div>
  );
}

// Confirm (busy while the request runs) and cancel.
export function DialogActions({ label, ready, busy, onCancel }: { label: string; ready: boolean; busy: boolean; onCancel: () => void }) {
  const intl = useIntl();
  return (
    <div className="actions">
      <button type="submit" className="primary" disabled={!ready} aria-busy={busy}>
        {busy ? intl.formatMessage({ id: 'dialog.working' }) : label}
      </button>
      <button type="button" onClick={onCancel}>
        {intl.formatMessage({ id: 'dialog.cancel' })}
      </button>
    </div>
  );
}
