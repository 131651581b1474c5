import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
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
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const mutation = useProctorAction();
  const ids = { title: useId(), reason: useId(), description: useId() };

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (pending && !dialog.open) {
      setReason(pending.defaultReason ?? '');
      mutation.reset();
      dialog.showModal();
    }
    if (!pending && dialog.open) dialog.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pending]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!pending || mutation.isPending || reason.trim() === '') return;
    mutation.mutate({ action: pending.action, reason: reason.trim() }, { onSuccess: onClose });
  };

  const error = mutation.error instanceof ApiError ? mutation.error : mutation.error ? new ApiError(0, 'internal', String(mutation.error)) : undefined;

  return (
    <dialog ref={dialogRef} className="dialog" aria-labelledby={ids.title} aria-describedby={ids.description} onClose={onClose}>
      {pending && (
        <form onSubmit={submit}>
          <h2 id={ids.title}>{pending.title}</h2>
          <p id={ids.description}>{pending.description}</p>
          <label htmlFor={ids.reason}>Reason (kept in the audit log)</label>
          <textarea id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} maxLength={500} required autoFocus />
          {error && (
            <div role="alert" className="notice">
              <p className="notice-title">{error.code === 'lock_changed' ? 'The lock changed' : 'That did not work'}</p>
              <p>{error.message}</p>
            </div>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={reason.trim() === ''} aria-busy={mutation.isPending}>
              {mutation.isPending ? 'Working…' : pending.confirmLabel}
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
