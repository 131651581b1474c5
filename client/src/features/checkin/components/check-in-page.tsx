import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import { TextField } from '../../../components/text-field.tsx';
import { PageFrame } from '../../../components/page-frame.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { navigate } from '../../../lib/router.ts';
import { useCheckIn } from '../api/check-in.ts';
import { type FieldErrors, NAME_LIMIT, validateCheckIn } from '../checkin-form.ts';
import { prepareDeviceProof } from '../device-proof.ts';
import { DeviceChangePanel } from './device-change-panel.tsx';
import { refusalFor } from './refusal-message.ts';

export function CheckInPage() {
  const intl = useIntl();
  const [code, setCode] = useState('');
  const [fullName, setFullName] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [touched, setTouched] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const checkIn = useCheckIn();
  const hintId = useId();
  // The key pair and a challenge are ready before the participant has finished typing.
  useEffect(prepareDeviceProof, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (checkIn.isPending) return;
    const errors = validateCheckIn(code, fullName);
    setFieldErrors(errors);
    setTouched(true);
    if (errors.code) return codeRef.current?.focus();
    if (errors.fullName) return nameRef.current?.focus();
    checkIn.mutate({ code: code.trim(), fullName }, { onSuccess: () => navigate('/start') });
  };

  const revalidate = (nextCode: string, nextName: string) => {
    if (touched) setFieldErrors(validateCheckIn(nextCode, nextName));
  };

  const refusal = checkIn.isError ? refusalFor(checkIn.error, intl) : undefined;
  const errorCode = checkIn.error instanceof ApiError ? checkIn.error.code : 'internal';
  const submitted = checkIn.variables;
  const retryAfterApproval = () => {
    if (submitted) checkIn.mutate(submitted, { onSuccess: () => navigate('/start') });
  };

  return (
    <PageFrame labelledBy="check-in-title">
      <h1 id="check-in-title">{intl.formatMessage({ id: 'checkin.title' })}</h1>
      <p id={hintId} className="muted">
        {intl.formatMessage({ id: 'checkin.hint' })}
      </p>
      <form onSubmit={submit} noValidate aria-describedby={hintId}>
        <TextField
          label={intl.formatMessage({ id: 'checkin.code.label' })}
          inputRef={codeRef}
          name="code"
          value={code}
          onValueChange={(value) => {
            setCode(value);
            revalidate(value, fullName);
          }}
          error={fieldErrors.code && intl.formatMessage({ id: fieldErrors.code })}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          inputMode="text"
          dir="ltr"
          maxLength={64}
          readOnly={checkIn.isPending}
          className="code-input"
        />
        <TextField
          label={intl.formatMessage({ id: 'checkin.name.label' })}
          inputRef={nameRef}
          name="fullName"
          value={fullName}
          onValueChange={(value) => {
            setFullName(value);
            revalidate(code, value);
          }}
          error={fieldErrors.fullName && intl.formatMessage({ id: fieldErrors.fullName }, { max: NAME_LIMIT })}
          autoComplete="name"
          dir="auto"
          maxLength={NAME_LIMIT + 50}
          readOnly={checkIn.isPending}
        />
        <button type="submit" className="primary" aria-disabled={checkIn.isPending} aria-busy={checkIn.isPending}>
          {intl.formatMessage({ id: checkIn.isPending ? 'checkin.submitting' : 'checkin.submit' })}
        </button>
      </form>
      <div role="alert" aria-live="assertive" className="alert-slot">
        {refusal && (
          <div className={`notice notice-${errorCode}`}>
            <p className="notice-title">
              <span aria-hidden="true">⚠ </span>
              {refusal.title}
            </p>
            <p>{refusal.detail}</p>
          </div>
        )}
      </div>
      {errorCode === 'locked_to_another_device' && submitted && (
        <DeviceChangePanel key={`${submitted.code}|${submitted.fullName}`} credentials={submitted} onApproved={retryAfterApproval} />
      )}
    </PageFrame>
  );
}
