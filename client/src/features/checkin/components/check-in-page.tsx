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
import { ROOM_CODE_DIGITS, ROOM_CODE_MAX_LENGTH, ROOM_CODES_META } from '../../../../../contracts/room-codes.ts';

// The server says in the page's head whether a session that is not over asks for room codes.
const roomCodesAsked = () => document.querySelector<HTMLMetaElement>(`meta[name="${ROOM_CODES_META}"]`)?.content === 'required';

export function CheckInPage() {
  const intl = useIntl();
  const [code, setCode] = useState('');
  const [fullName, setFullName] = useState('');
  const [asksRoomCode] = useState(roomCodesAsked);
  const [roomCode, setRoomCode] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [touched, setTouched] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const roomCodeRef = useRef<HTMLInputElement>(null);
  const checkIn = useCheckIn();
  const hintId = useId();
  // The key pair and a challenge are ready before the participant has finished typing.
  useEffect(prepareDeviceProof, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (checkIn.isPending) return;
    const typedRoomCode = asksRoomCode && roomCode.trim() !== '' ? roomCode : undefined;
    const errors = validateCheckIn(code, fullName, asksRoomCode ? roomCode : undefined);
    setFieldErrors(errors);
    setTouched(true);
    if (errors.code) return codeRef.current?.focus();
    if (errors.fullName) return nameRef.current?.focus();
    if (errors.roomCode) return roomCodeRef.current?.focus();
    checkIn.mutate({ code: code.trim(), fullName, ...(typedRoomCode === undefined ? {} : { roomCode: typedRoomCode }) }, { onSuccess: () => navigate('/start') });
  };

  const revalidate = (nextCode: string, nextName: string, nextRoomCode = roomCode) => {
    if (touched) setFieldErrors(validateCheckIn(nextCode, nextName, asksRoomCode ? nextRoomCode : undefined));
  };

  const errorCode = checkIn.error instanceof ApiError ? checkIn.error.code : 'internal';
  const refused = checkIn.isError ? refusalFor(checkIn.error, intl) : undefined;
  // Where room codes are asked, a refused code and name may be a room code typed wrong or gone stale.
  const refusal =
    refused && asksRoomCode && errorCode === 'not_recognised' ? { ...refused, detail: intl.formatMessage({ id: 'error.not_recognised.withRoomCode.detail' }) } : refused;
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
        {asksRoomCode && (
          <TextField
            label={intl.formatMessage({ id: 'checkin.roomCode.label' })}
            hint={intl.formatMessage({ id: 'checkin.roomCode.hint' }, { digits: ROOM_CODE_DIGITS })}
            inputRef={roomCodeRef}
            name="roomCode"
            value={roomCode}
            onValueChange={(value) => {
              setRoomCode(value);
              revalidate(code, fullName, value);
            }}
            error={fieldErrors.roomCode && intl.formatMessage({ id: fieldErrors.roomCode }, { digits: ROOM_CODE_DIGITS })}
            autoComplete="off"
            spellCheck={false}
            inputMode="numeric"
            dir="ltr"
            maxLength={ROOM_CODE_MAX_LENGTH}
            readOnly={checkIn.isPending}
            className="code-input"
          />
        )}
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
