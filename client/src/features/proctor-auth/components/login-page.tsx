import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../../../lib/api-client.ts';
import { navigate } from '../../../lib/router.ts';
import { useLogIn } from '../api/session.ts';

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const logIn = useLogIn();
  const ids = { user: useId(), pass: useId() };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (logIn.isPending || !username || !password) return;
    logIn.mutate({ username, password }, { onSuccess: () => navigate('/proctor', { replace: true }) });
  };

  const error = logIn.error instanceof ApiError ? logIn.error : undefined;
  const message =
    error?.code === 'rate_limited'
      ? `Too many failed attempts. Try again in ${error.retryAfterSeconds ?? 60} seconds.`
      : error?.code === 'invalid_credentials'
        ? 'Wrong username or password.'
        : error?.message;

  return (
    <main className="page">
      <section className="card" aria-labelledby="login-title">
        <p className="brand">examgate · proctor</p>
        <h1 id="login-title">Proctor login</h1>
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor={ids.user}>Username</label>
            <input id={ids.user} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
          </div>
          <div className="field">
            <label htmlFor={ids.pass}>Password</label>
            <input id={ids.pass} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
          </div>
          <button type="submit" className="primary" aria-busy={logIn.isPending}>
            {logIn.isPending ? 'Logging in…' : 'Log in'}
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
