import type { IntlShape } from 'react-intl';
import { ApiError } from '../../../lib/api-client.ts';

export interface Refusal {
  title: string;
  detail: string;
}

// Every error code has a title and a next step in each catalog (error.<code>.title / .detail); the API's
// English message is never shown.
export function refusalFor(error: unknown, intl: IntlShape): Refusal {
  const code = error instanceof ApiError ? error.code : 'internal';
  const retryAfter = error instanceof ApiError ? error.retryAfterSeconds : undefined;
  const opensAt = error instanceof ApiError && error.details.opensAt ? new Date(error.details.opensAt) : undefined;
  const values = {
    seconds: retryAfter ?? 0,
    minutes: Math.max(1, Math.ceil((retryAfter ?? 60) / 60)),
    opensAt: opensAt
      ? intl.formatDate(opensAt, {
          weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short',
          timeZone: error instanceof ApiError ? error.details.timeZone : undefined,
        })
      : '',
    known: retryAfter === undefined ? 'no' : 'yes',
  };
  return {
    title: intl.formatMessage({ id: `error.${code}.title` }, values),
    detail: intl.formatMessage({ id: `error.${code}.detail` }, values),
  };
}
