import { type FormEvent, useId, useState } from 'react';
import { useIntl } from 'react-intl';
import { IpAddress } from '../../../../../contracts/proctor.ts';
import { letAddressTryAgainPrompt } from './action-prompts.ts';
import type { PendingAction } from './confirm-dialog.tsx';

// For a hall held back at one address: a participant's own throttle is cleared from their row.
export function AddressUnthrottle({ onAction }: { onAction: (action: PendingAction) => void }) {
  const intl = useIntl();
  const ids = { title: useId(), input: useId(), hint: useId(), error: useId() };
  const [address, setAddress] = useState('');
  const [invalid, setInvalid] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = IpAddress.safeParse(address.trim());
    setInvalid(!parsed.success);
    if (parsed.success) onAction(letAddressTryAgainPrompt(intl, parsed.data));
  };

  return (
    <section className="panel address-panel" aria-labelledby={ids.title}>
      <h2 id={ids.title}>{intl.formatMessage({ id: 'address.title' })}</h2>
      <p className="muted" id={ids.hint}>
        {intl.formatMessage({ id: 'address.hint' })}
      </p>
      <form onSubmit={submit} noValidate className="inline-form">
        <label htmlFor={ids.input}>{intl.formatMessage({ id: 'address.label' })}</label>
        <input
          id={ids.input}
          dir="ltr"
          inputMode="text"
          autoComplete="off"
          spellCheck={false}
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          aria-describedby={invalid ? `${ids.hint} ${ids.error}` : ids.hint}
          aria-invalid={invalid}
        />
        <button type="submit">{intl.formatMessage({ id: 'address.submit' })}</button>
        {invalid && (
          <p id={ids.error} className="field-error" role="alert">
            {intl.formatMessage({ id: 'address.invalid' })}
          </p>
        )}
      </form>
    </section>
  );
}
