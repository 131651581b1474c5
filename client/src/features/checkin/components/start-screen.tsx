import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { navigate } from '../../../lib/router.ts';
import { currentCheckInQuery } from '../api/check-in.ts';
import { forgetCheckIn, rememberedCheckIn } from '../checkin-storage.ts';
import { refusalFor } from './refusal-message.ts';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function StartScreen() {
  const hasCredentials = rememberedCheckIn() !== undefined;
  const current = useQuery({ ...currentCheckInQuery, enabled: hasCredentials });

  useEffect(() => {
    if (!hasCredentials) navigate('/', { replace: true });
  }, [hasCredentials]);

  const leave = () => {
    forgetCheckIn();
    navigate('/', { replace: true });
  };

  if (!hasCredentials) return null;

  if (current.isPending) {
    return (
      <main className="page">
        <section className="card" aria-busy="true">
          <p className="brand">examgate</p>
          <p role="status">Checking your check-in…</p>
        </section>
      </main>
    );
  }

  if (current.isError) {
    const refusal = refusalFor(current.error);
    return (
      <main className="page">
        <section className="card" aria-labelledby="start-error-title">
          <p className="brand">examgate</p>
          <div role="alert" className="notice notice-error">
            <h1 id="start-error-title" className="notice-title">
              {refusal.title}
            </h1>
            <p>{refusal.detail}</p>
          </div>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void current.refetch()}>
              Try again
            </button>
            <button type="button" onClick={leave}>
              Back to check-in
            </button>
          </div>
        </section>
      </main>
    );
  }

  const { participant, examSession } = current.data;
  return (
    <main className="page">
      <section className="card" aria-labelledby="start-title">
        <p className="brand">examgate</p>
        <p className="success-badge">
          <span aria-hidden="true">✓ </span>Checked in
        </p>
        <h1 id="start-title">Welcome, {participant.fullName}</h1>
        <dl className="facts">
          <div>
            <dt>Exam</dt>
            <dd>{examSession.name}</dd>
          </div>
          <div>
            <dt>Participant code</dt>
            <dd className="code">{participant.code}</dd>
          </div>
          <div>
            <dt>This device was locked</dt>
            <dd>
              <time dateTime={participant.deviceLockedAt}>{timeFormat.format(new Date(participant.deviceLockedAt))}</time>
            </dd>
          </div>
        </dl>
        <p className="muted">
          Your code is now tied to this device. Keep this page open; if you have to switch devices, ask a proctor.
        </p>
        <div className="actions">
          <button type="button" onClick={leave}>
            Not you? Check in with another code
          </button>
        </div>
      </section>
    </main>
  );
}
