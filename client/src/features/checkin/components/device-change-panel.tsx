import { useEffect, useEffectEvent } from 'react';
import { useIntl } from 'react-intl';
import type { CheckInRequest } from '../../../../../contracts/checkin.ts';
import { useAskForDeviceChange, useDeviceChangeStatus } from '../api/device-change.ts';
import { refusalFor } from './refusal-message.ts';

export function DeviceChangePanel({ credentials, onApproved }: { credentials: CheckInRequest; onApproved: () => void }) {
  const intl = useIntl();
  const ask = useAskForDeviceChange();
  const status = useDeviceChangeStatus(ask.data);
  const state = status.data?.status;

  // Once per approval, whatever the parent passes on later renders.
  const approved = useEffectEvent(onApproved);
  useEffect(() => {
    if (state === 'approved') approved();
  }, [state]);

  if (!ask.data) {
    const refusal = ask.isError ? refusalFor(ask.error, intl) : undefined;
    return (
      <div className="device-change">
        <button type="button" onClick={() => ask.mutate(credentials)} aria-busy={ask.isPending}>
          {intl.formatMessage({ id: ask.isPending ? 'deviceChange.sending' : 'deviceChange.ask' })}
        </button>
        {refusal && (
          <p className="field-error" role="alert">
            {refusal.title}: {refusal.detail}
          </p>
        )}
      </div>
    );
  }
  return (
    <div className="device-change" role="status" aria-live="polite">
      {state === 'declined' ? (
        <p>
          <strong>{intl.formatMessage({ id: 'deviceChange.declined.title' })}</strong> {intl.formatMessage({ id: 'deviceChange.declined.detail' })}
        </p>
      ) : state === 'expired' ? (
        <>
          <p>
            <strong>{intl.formatMessage({ id: 'deviceChange.expired.title' })}</strong> {intl.formatMessage({ id: 'deviceChange.expired.detail' })}
          </p>
          <button type="button" onClick={() => ask.mutate(credentials)}>
            {intl.formatMessage({ id: 'deviceChange.askAgain' })}
          </button>
        </>
      ) : state === 'approved' ? (
        <p>{intl.formatMessage({ id: 'deviceChange.approved' })}</p>
      ) : (
        <p>
          <span className="spinner" aria-hidden="true" /> {intl.formatMessage({ id: 'deviceChange.waiting' })}
        </p>
      )}
    </div>
  );
}
