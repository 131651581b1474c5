import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useIntl } from 'react-intl';
import { PageFrame } from '../../../components/page-frame.tsx';
import { navigate } from '../../../lib/router.ts';
import { checkIn, currentCheckInQuery } from '../api/check-in.ts';
import { forgetCheckIn, rememberedCheckIn } from '../checkin-storage.ts';
import { refusalFor } from './refusal-message.ts';

export function StartScreen() {
  const intl = useIntl();
  const hasCredentials = rememberedCheckIn() !== undefined;
  const current = useQuery({ ...currentCheckInQuery, enabled: hasCredentials });
  const queryClient = useQueryClient();
  // The token in the URL lives two minutes, so "Continue" checks in again (as this same device) for a fresh
  // one; a device that is no longer the holder is refused here and never reaches the exam.
  const proceed = useMutation({
    mutationFn: async () => {
      const credentials = rememberedCheckIn();
      if (!credentials) throw new Error('not checked in');
      return checkIn(credentials);
    },
    onSuccess: (response) => {
      queryClient.setQueryData(currentCheckInQuery.queryKey, response);
      if (response.continueUrl) window.location.assign(response.continueUrl);
    },
  });

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
      <PageFrame busy>
        <p role="status">{intl.formatMessage({ id: 'start.checking' })}</p>
      </PageFrame>
    );
  }

  if (current.isError) {
    const refusal = refusalFor(current.error, intl);
    return (
      <PageFrame labelledBy="start-error-title">
        <div role="alert" className="notice notice-error">
          <h1 id="start-error-title" className="notice-title">
            {refusal.title}
          </h1>
          <p>{refusal.detail}</p>
        </div>
        <div className="actions">
          <button type="button" className="primary" onClick={() => void current.refetch()}>
            {intl.formatMessage({ id: 'start.retry' })}
          </button>
          <button type="button" onClick={leave}>
            {intl.formatMessage({ id: 'start.back' })}
          </button>
        </div>
      </PageFrame>
    );
  }

  const { participant, examSession } = current.data;
  const code = <bdi className="code">{participant.code}</bdi>;
  return (
    <PageFrame labelledBy="start-title">
      <p className="success-badge">
        <span aria-hidden="true">✓ </span>
        {intl.formatMessage({ id: 'start.badge' })}
      </p>
      <h1 id="start-title">{intl.formatMessage({ id: 'start.welcome' }, { name: participant.fullName })}</h1>
      <p className="device-binding">{intl.formatMessage({ id: 'start.binding' }, { code })}</p>
      {current.data.placement && (
        <section className="placement" aria-labelledby="placement-title" data-testid="placement">
          <h2 id="placement-title" className="visually-hidden">
            {intl.formatMessage({ id: 'start.placement' })}
          </h2>
          <dl>
            <div>
              <dt>{intl.formatMessage({ id: 'start.room' })}</dt>
              <dd>
                <bdi>{current.data.placement.room}</bdi>
              </dd>
            </div>
            {current.data.placement.seat !== null && (
              <div>
                <dt>{intl.formatMessage({ id: 'start.seat' })}</dt>
                <dd>
                  <bdi dir="ltr">{current.data.placement.seat}</bdi>
                </dd>
              </div>
            )}
          </dl>
        </section>
      )}
      <dl className="facts">
        <div>
          <dt>{intl.formatMessage({ id: 'start.exam' })}</dt>
          <dd>
            <bdi>{examSession.name}</bdi>
          </dd>
        </div>
        <div>
          <dt>{intl.formatMessage({ id: 'start.code' })}</dt>
          <dd>{code}</dd>
        </div>
        <div>
          <dt>{intl.formatMessage({ id: 'start.lockedAt' })}</dt>
          <dd>
            <time dateTime={participant.deviceLockedAt}>
              <bdi>{intl.formatDate(participant.deviceLockedAt, { dateStyle: 'medium', timeStyle: 'medium' })}</bdi>
            </time>
          </dd>
        </div>
        <div>
          <dt>{intl.formatMessage({ id: 'start.receipt' })}</dt>
          <dd>
            <bdi dir="ltr" className="code receipt" data-testid="receipt">
              {current.data.receipt}
            </bdi>
          </dd>
        </div>
      </dl>
      <p className="muted">{intl.formatMessage({ id: 'start.receiptHint' })}</p>
      {proceed.isError && <ProceedRefused error={proceed.error} />}
      {current.data.continueUrl === undefined && <p className="muted">{intl.formatMessage({ id: 'start.keepOpen' })}</p>}
      <div className="actions">
        {current.data.continueUrl !== undefined && (
          <button type="button" className="primary" aria-busy={proceed.isPending} onClick={() => proceed.isPending || proceed.mutate()}>
            {intl.formatMessage({ id: proceed.isPending || proceed.isSuccess ? 'start.continuing' : 'start.continue' })}
          </button>
        )}
        <button type="button" onClick={leave}>
          {intl.formatMessage({ id: 'start.notYou' })}
        </button>
      </div>
    </PageFrame>
  );
}

function ProceedRefused({ error }: { error: unknown }) {
  const intl = useIntl();
  const refusal = refusalFor(error, intl);
  return (
    <div role="alert" className="notice notice-error">
      <p className="notice-title">{refusal.title}</p>
      <p>{refusal.detail}</p>
    </div>
  );
}
