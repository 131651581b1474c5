import { useIntl } from 'react-intl';
import { REASON_MAX_LENGTH } from '../../../../../contracts/reason.ts';
import { ApiError } from '../../../lib/api-client.ts';

// The parts every proctor dialog shares: the reason the audit log keeps, and why the server said no.

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
