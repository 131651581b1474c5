import { type FormEvent, useId, useState } from 'react';
import { useIntl } from 'react-intl';
import { LanguageSwitcher } from '../../../i18n/language-switcher.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { navigate } from '../../../lib/router.ts';
import { useLogIn } from '../api/session.ts';

export function LoginPage() {
  const intl = useIntl();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const logIn = useLogIn();
  const ids = { user: useId(), pass: useId() };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (logIn.isPending || !username || !password) return;
    logIn.mutate({ username, password }, { onSuccess: () => navigate('/proctor', { replace: true }) });
  };

  const error = logIn.error instanceof ApiError ? logIn.error : logIn.error ? new ApiError(0, 'internal', '') : undefined;
  const message =
    error?.code === 'rate_limited'
      ? intl.formatMessage({ id: 'login.rateLimited' }, { seconds: error.retryAfterSeconds ?? 60 })
      : error?.code === 'invalid_credentials'
        ? intl.formatMessage({ id: 'login.invalid' })
        : error && intl.formatMessage({ id: `error.${error.code}.title` });

  return (
    <main className="page">
      <section className="card" aria-labelledby="login-title">
        <div className="card-top">
          <p className="brand">{intl.formatMessage({ id: 'brand.proctor' })}</p>
          <LanguageSwitcher />
        </div>
        <h1 id="login-title">{intl.formatMessage({ id: 'login.title' })}</h1>
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor={ids.user}>{intl.formatMessage({ id: 'login.username' })}</label>
            <input id={ids.user} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" dir="ltr" required />
          </div>
          <div className="field">
            <label htmlFor={ids.pass}>{intl.formatMessage({ id: 'login.password' })}</label>
            <input id={ids.pass} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" dir="ltr" required />
          </div>
          <button type="submit" className="primary" aria-busy={logIn.isPending}>
            {intl.formatMessage({ id: logIn.isPending ? 'login.submitting' : 'login.submit' })}
          </button>
        </form>
        <div role="alert" className="alert-slot">
          {message && (
            <div className="notice">
              <p className="notice-title">{message}</p>
            </div>
          )}
        </div>
      </section>
    </main>
  );
}
