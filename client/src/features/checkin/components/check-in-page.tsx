import { type FormEvent, useCallback, useId, useRef, useState } from 'react';
import { ApiError } from '../../../lib/api-client.ts';
import { FULL_NAME_MAX_LENGTH, PARTICIPANT_CODE_PATTERN } from '../../../../../contracts/checkin.ts';
import { TextField } from '../../../components/text-field.tsx';
import { navigate } from '../../../lib/router.ts';
import { useCheckIn } from '../api/check-in.ts';
import { DeviceChangePanel } from './device-change-panel.tsx';
import { refusalFor } from './refusal-message.ts';

interface FieldErrors {
  code?: string;
  fullName?: string;
}

function validate(code: string, fullName: string): FieldErrors {
  const errors: FieldErrors = {};
  if (code.trim() === '') errors.code = 'Enter your participant code.';
  else if (!PARTICIPANT_CODE_PATTERN.test(code.trim())) errors.code = 'A participant code has 4 to 32 letters, digits or hyphens.';
  if (fullName.trim() === '') errors.fullName = 'Enter your full name.';
  else if (fullName.length > FULL_NAME_MAX_LENGTH) errors.fullName = `A name has at most ${FULL_NAME_MAX_LENGTH} characters.`;
  return errors;
}

export function CheckInPage() {
  const [code, setCode] = useState('');
  const [fullName, setFullName] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [touched, setTouched] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const checkIn = useCheckIn();
  const hintId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (checkIn.isPending) return;
    const errors = validate(code, fullName);
    setFieldErrors(errors);
    setTouched(true);
    if (errors.code) return codeRef.current?.focus();
    if (errors.fullName) return nameRef.current?.focus();
    checkIn.mutate({ code: code.trim(), fullName }, { onSuccess: () => navigate('/start') });
  };

  const revalidate = (nextCode: string, nextName: string) => {
    if (touched) setFieldErrors(validate(nextCode, nextName));
  };

  const refusal = checkIn.isError ? refusalFor(checkIn.error) : undefined;
  const lockedElsewhere = checkIn.error instanceof ApiError && checkIn.error.code === 'locked_to_another_device';
  const submitted = checkIn.variables;
  const retryAfterApproval = useCallback(() => {
    if (submitted) checkIn.mutate(submitted, { onSuccess: () => navigate('/start') });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [submitted]);

  return (
    <main className="page">
      <section className="card" aria-labelledby="check-in-title">
        <p className="brand">examgate</p>
        <h1 id="check-in-title">Check in to your exam</h1>
        <p id={hintId} className="muted">Enter the participant code you were given and your full name as registered.</p>
        <form onSubmit={submit} noValidate aria-describedby={hintId}>
          <TextField
            label="Participant code"
            inputRef={codeRef}
            name="code"
            value={code}
            onValueChange={(value) => {
              setCode(value);
              revalidate(value, fullName);
            }}
            error={fieldErrors.code}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            inputMode="text"
            maxLength={64}
            readOnly={checkIn.isPending}
            className="code-input"
          />
          <TextField
            label="Full name"
            inputRef={nameRef}
            name="fullName"
            value={fullName}
            onValueChange={(value) => {
              setFullName(value);
              revalidate(code, value);
            }}
            error={fieldErrors.fullName}
            autoComplete="name"
            maxLength={FULL_NAME_MAX_LENGTH + 50}
            readOnly={checkIn.isPending}
          />
          <button type="submit" className="primary" aria-disabled={checkIn.isPending} aria-busy={checkIn.isPending}>
            {checkIn.isPending ? 'Checking in…' : 'Check in'}
          </button>
        </form>
        <div role="alert" aria-live="assertive" className="alert-slot">
          {refusal && (
            <div className={`notice notice-${checkIn.error && 'code' in checkIn.error ? String(checkIn.error.code) : 'error'}`}>
              <p className="notice-title">
                <span aria-hidden="true">⚠ </span>
                {refusal.title}
              </p>
              <p>{refusal.detail}</p>
            </div>
          )}
        </div>
        {lockedElsewhere && submitted && <DeviceChangePanel key={`${submitted.code}|${submitted.fullName}`} credentials={submitted} onApproved={retryAfterApproval} />}
      </section>
    </main>
  );
}
