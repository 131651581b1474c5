import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useId } from 'react';
import { useIntl } from 'react-intl';
import { useLanguage } from '../../../i18n/language-provider.tsx';
import { languageOf } from '../../../i18n/languages.ts';
import { useNow } from '../../../lib/use-now.ts';
import { arrivalsQuery } from '../api/arrivals.ts';
import { arrivalSeries } from './arrival-series.ts';
import { formatTime } from './format.ts';

const ArrivalChart = lazy(() => import('./arrival-chart.tsx'));
const RECENT_MINUTES = 10;

// How arrivals are going, live: the picture for a glance, a sentence that says it, and the same numbers as a
// table for screen readers (and anyone who wants the figures).
export function ArrivalsPanel({ sessionId, timeZone }: { sessionId: number; timeZone: string | undefined }) {
  const intl = useIntl();
  const { language } = useLanguage();
  const now = useNow(30_000, true);
  const curve = useQuery(arrivalsQuery(sessionId));
  const ids = { title: useId(), summary: useId() };
  const points = curve.data ? arrivalSeries(curve.data, new Date(now)) : [];
  const present = points.at(-1)?.present ?? 0;
  const recent = points.slice(-RECENT_MINUTES);
  const sum = (key: 'refusals' | 'conflicts') => recent.reduce((total, point) => total + point[key], 0);
  const active = points.filter((point) => point.arrivals + point.refusals + point.conflicts > 0);

  return (
    <section className="panel arrivals" aria-labelledby={ids.title}>
      <h2 id={ids.title}>{intl.formatMessage({ id: 'arrivals.title' })}</h2>
      {curve.isError ? (
        <p role="alert" className="notice">
          {intl.formatMessage({ id: 'arrivals.loadFailed' })}
        </p>
      ) : !curve.data ? (
        <p className="muted">{intl.formatMessage({ id: 'dashboard.loading' })}</p>
      ) : points.length === 0 ? (
        <p className="muted">{intl.formatMessage({ id: 'arrivals.empty' }, { expected: curve.data.expected })}</p>
      ) : (
        <figure className="arrival-figure" aria-describedby={ids.summary}>
          {/* Laid out left to right whatever the language: right to left is the reversed time axis, and SVG
              labels then anchor where the chart expects them. */}
          <div className="arrival-chart" aria-hidden="true" dir="ltr">
            <Suspense fallback={<div className="arrival-chart-placeholder" />}>
              <ArrivalChart points={points} expected={curve.data.expected} timeZone={timeZone} rtl={languageOf(language).dir === 'rtl'} />
            </Suspense>
          </div>
          <figcaption id={ids.summary} data-testid="arrivals-summary">
            {intl.formatMessage({ id: 'arrivals.summary' }, { present, expected: curve.data.expected, minutes: RECENT_MINUTES, refusals: sum('refusals'), conflicts: sum('conflicts') })}
          </figcaption>
          <details className="arrival-table">
            <summary>{intl.formatMessage({ id: 'arrivals.asTable' })}</summary>
            <table>
              <caption className="visually-hidden">{intl.formatMessage({ id: 'arrivals.title' })}</caption>
              <thead>
                <tr>
                  <th scope="col">{intl.formatMessage({ id: 'arrivals.minute' })}</th>
                  <th scope="col">{intl.formatMessage({ id: 'arrivals.arrived' })}</th>
                  <th scope="col">{intl.formatMessage({ id: 'arrivals.present' })}</th>
                  <th scope="col">{intl.formatMessage({ id: 'arrivals.refusals' })}</th>
                  <th scope="col">{intl.formatMessage({ id: 'arrivals.conflicts' })}</th>
                </tr>
              </thead>
              <tbody>
                {active.map((point) => (
                  <tr key={point.at}>
                    <th scope="row">
                      <time dateTime={point.at}>{formatTime(intl, point.at, timeZone).slice(0, 5)}</time>
                    </th>
                    <td>{intl.formatNumber(point.arrivals)}</td>
                    <td>{intl.formatNumber(point.present)}</td>
                    <td>{intl.formatNumber(point.refusals)}</td>
                    <td>{intl.formatNumber(point.conflicts)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </figure>
      )}
    </section>
  );
}
