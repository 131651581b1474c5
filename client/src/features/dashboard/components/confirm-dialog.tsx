import { type FormEvent, useEffect, useEffectEvent, useId, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import { ApiError } from '../../../lib/api-client.ts';
import type { ProctorAction } from '../api/actions.ts';
import { useProctorAction } from '../api/actions.ts';

export interface PendingAction {
  action: ProctorAction;
  title: string;
  description: string;
  confirmLabel: string;
  defaultReason?: string;
}

// A native modal <dialog>: focus moves into it, Escape cancels, and the page behind is inert.
export function ConfirmDialog({ pending, onClose }: { pending: PendingAction | null; onClose: () => void }) {
  const intl = useIntl();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const mutation = useProctorAction();
  const ids = { title: useId(), reason: useId(), description: useId() };

  const open = useEffectEvent((dialog: HTMLDialogElement, action: PendingAction) => {
    setReason(action.defaultReason ?? '');
    mutation.reset();
    dialog.showModal();
  });
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (pending && !dialog.open) open(dialog, pending);
    if (!pending && dialog.open) dialog.close();
  }, [pending]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!pending || mutation.isPending || reason.trim() === '') return;
    mutation.mutate({ action: pending.action, reason: reason.trim() }, { onSuccess: onClose });
  };

  const code = mutation.error instanceof ApiError ? mutation.error.code : mutation.error ? 'internal' : undefined;

  return (
    <dialog ref={dialogRef} className="dialog" aria-labelledby={ids.title} aria-describedby={ids.description} onClose={onClose}>
      {pending && (
        <form onSubmit={submit}>
          <h2 id={ids.title}>{pending.title}</h2>
          <p id={ids.description}>{pending.description}</p>
          <label htmlFor={ids.reason}>{intl.formatMessage({ id: 'dialog.reason' })}</label>
          <textarea id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} maxLength={500} required autoFocus />
          {code && (
            <div role="alert" className="notice">
              <p className="notice-title">{intl.formatMessage({ id: `error.${code}.title` })}</p>
              <p>{intl.formatMessage({ id: `error.${code}.detail` }, { seconds: 0, minutes: 1, opensAt: '', known: 'no' })}</p>
            </div>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={reason.trim() === ''} aria-busy={mutation.isPending}>
              {mutation.isPending ? intl.formatMessage({ id: 'dialog.working' }) : pending.confirmLabel}
            </button>
            <button type="button" onClick={onClose}>
              {intl.formatMessage({ id: 'dialog.cancel' })}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
