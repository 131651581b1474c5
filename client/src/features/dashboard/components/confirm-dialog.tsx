import { type FormEvent, useId, useState } from 'react';
import type { ProctorAction } from '../api/actions.ts';
import { useProctorAction } from '../api/actions.ts';
import { ActionError, DialogActions, ReasonField, useModalDialog } from './dialog-parts.tsx';

export interface PendingAction {
  action: ProctorAction;
  title: string;
  description: string;
  confirmLabel: string;
  defaultReason?: string;
}

export function ConfirmDialog({ pending, onClose }: { pending: PendingAction | null; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const mutation = useProctorAction();
  const ids = { title: useId(), reason: useId(), description: useId() };

  const dialogRef = useModalDialog(pending, (action) => {
    setReason(action.defaultReason ?? '');
    mutation.reset();
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!pending || mutation.isPending || reason.trim() === '') return;
    mutation.mutate({ action: pending.action, reason: reason.trim() }, { onSuccess: onClose });
  };

  return (
    <dialog ref={dialogRef} className="dialog" aria-labelledby={ids.title} aria-describedby={ids.description} onClose={onClose}>
      {pending && (
        <form onSubmit={submit}>
          <h2 id={ids.title}>{pending.title}</h2>
          <p id={ids.description}>{pending.description}</p>
          <ReasonField id={ids.reason} value={reason} onChange={setReason} autoFocus />
          <ActionError error={mutation.error} />
          <DialogActions label={pending.confirmLabel} ready={reason.trim() !== ''} busy={mutation.isPending} onCancel={onClose} />
        </form>
      )}
    </dialog>
  );
}
