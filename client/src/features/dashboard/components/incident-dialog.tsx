import { type FormEvent, useId, useState } from 'react';
import { useIntl } from 'react-intl';
import { type Incident, type IncidentCategory, incidentCategories } from '../../../../../contracts/incidents.ts';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { REASON_MAX_LENGTH } from '../../../../../contracts/reason.ts';
import { useRecordIncident } from '../api/incidents.ts';
import { ActionError, DialogActions, useModalDialog } from './dialog-parts.tsx';

// What the dialog opens with: from a participant's row (that participant), from the incidents panel (the
// whole session, or a code typed in), or to correct an earlier incident (its subject and category).
export interface IncidentDraft {
  sessionId: number;
  participant?: { code: string; fullName: string } | null;
  corrects?: Incident;
}

export function IncidentDialog({ draft, participants, onClose }: { draft: IncidentDraft | null; participants: ProctorParticipant[]; onClose: () => void }) {
  const intl = useIntl();
  const [category, setCategory] = useState<IncidentCategory | ''>('');
  const [code, setCode] = useState('');
  const [text, setText] = useState('');
  const mutation = useRecordIncident();
  const ids = { title: useId(), category: useId(), code: useId(), codes: useId(), text: useId(), hint: useId() };
  const fixedSubject = draft?.corrects ? draft.corrects.participant : draft?.participant;

  const dialogRef = useModalDialog(draft, (opened) => {
    setCategory(opened.corrects?.category ?? '');
    setCode('');
    setText('');
    mutation.reset();
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft || mutation.isPending || category === '' || text.trim() === '') return;
    const participantCode = fixedSubject !== undefined ? fixedSubject?.code : code.trim() || undefined;
    mutation.mutate(
      { sessionId: draft.sessionId, participantCode, category, text: text.trim(), corrects: draft.corrects?.id },
      { onSuccess: onClose },
    );
  };

  return (
    <dialog ref={dialogRef} className="dialog" aria-labelledby={ids.title} aria-describedby={ids.hint} onClose={onClose}>
      {draft && (
        <form onSubmit={submit}>
          <h2 id={ids.title}>{intl.formatMessage({ id: draft.corrects ? 'incidentDialog.correctTitle' : 'incidentDialog.title' })}</h2>
          <p id={ids.hint}>
            {draft.corrects
              ? intl.formatMessage({ id: 'incidentDialog.correcting' })
              : fixedSubject
                ? intl.formatMessage({ id: 'incidentDialog.for' }, { name: <bdi>{fixedSubject.fullName}</bdi>, code: <bdi className="code">{fixedSubject.code}</bdi> })
                : intl.formatMessage({ id: 'incidentDialog.hint' })}
          </p>
          <label htmlFor={ids.category}>{intl.formatMessage({ id: 'incidentDialog.category' })}</label>
          <select id={ids.category} value={category} onChange={(e) => setCategory(e.target.value as IncidentCategory | '')} required autoFocus>
            <option value="">{intl.formatMessage({ id: 'incidentDialog.chooseCategory' })}</option>
            {incidentCategories.map((known) => (
              <option key={known} value={known}>
                {intl.formatMessage({ id: `incident.category.${known}` })}
              </option>
            ))}
          </select>
          {fixedSubject === undefined && (
            <>
              <label htmlFor={ids.code}>{intl.formatMessage({ id: 'incidentDialog.participant' })}</label>
              <input id={ids.code} className="code" value={code} onChange={(e) => setCode(e.target.value)} list={ids.codes} autoComplete="off" spellCheck={false} />
              <datalist id={ids.codes}>
                {participants.map((p) => (
                  <option key={p.code} value={p.code}>
                    {p.fullName}
                  </option>
                ))}
              </datalist>
            </>
          )}
          <label htmlFor={ids.text}>{intl.formatMessage({ id: 'incidentDialog.text' })}</label>
          <textarea id={ids.text} value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={REASON_MAX_LENGTH} required />
          <ActionError error={mutation.error} />
          <DialogActions label={intl.formatMessage({ id: 'incidentDialog.save' })} ready={category !== '' && text.trim() !== ''} busy={mutation.isPending} onCancel={onClose} />
        </form>
      )}
    </dialog>
  );
}
