import { useEffect } from 'react';
import type { CheckInRequest } from '../../../../../contracts/checkin.ts';
import { useAskForDeviceChange, useDeviceChangeStatus } from '../api/device-change.ts';
import { refusalFor } from './refusal-message.ts';

export function DeviceChangePanel({ credentials, onApproved }: { credentials: CheckInRequest; onApproved: () => void }) {
  const ask = useAskForDeviceChange();
  const status = useDeviceChangeStatus(ask.data);
  const state = status.data?.status;

  useEffect(() => {
    if (state === 'approved') onApproved();
  }, [state, onApproved]);

  if (!ask.data) {
    return (
      <div className="device-change">
        <button type="button" onClick={() => ask.mutate(credentials)} aria-busy={ask.isPending}>
          {ask.isPending ? 'Sending…' : 'Ask the proctor to move my check-in to this device'}
        </button>
        {ask.isError && <p className="field-error">{refusalFor(ask.error).title}: {refusalFor(ask.error).detail}</p>}
      </div>
    );
  }
  return (
    <div className="device-change" role="status" aria-live="polite">
      {state === 'declined' ? (
        <p>
          <strong>The proctor declined the request.</strong> Please talk to a proctor.
        </p>
      ) : state === 'expired' ? (
        <>
          <p>
            <strong>The request expired</strong> before a proctor answered.
          </p>
          <button type="button" onClick={() => ask.mutate(credentials)}>
            Ask again
          </button>
        </>
      ) : state === 'approved' ? (
        <p>Approved. Checking you in…</p>
      ) : (
        <p>
          <span className="spinner" aria-hidden="true" /> Request sent. Waiting for a proctor to approve it — this page continues by itself.
        </p>
      )}
    </div>
  );
}
