import { createIntl } from 'react-intl';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../../../../contracts/errors.ts';
import { languages } from '../../../i18n/languages.ts';
import { ApiError } from '../../../lib/api-client.ts';
import { refusalFor } from './refusal-message.ts';

const english = createIntl({ locale: 'en', messages: languages.find((language) => language.code === 'en')!.messages });

describe('refusalFor', () => {
  it('when another device holds the code, then the participant is told to ask a proctor', () => {
    const refusal = refusalFor(new ApiError(409, 'locked_to_another_device', 'server text'), english);
    expect(refusal.title).toBe('This code is in use on another device');
    expect(refusal.detail).toContain('ask a proctor');
  });

  it('when the service is busy or throttling, then the wait the server asked for is named, with the right plural', () => {
    expect(refusalFor(new ApiError(503, 'unavailable', 'x', 2), english).detail).toBe('Please try again in 2 seconds.');
    expect(refusalFor(new ApiError(503, 'unavailable', 'x', 1), english).detail).toBe('Please try again in 1 second.');
    expect(refusalFor(new ApiError(429, 'rate_limited', 'x', 299), english).detail).toContain('wait 5 minutes');
    expect(refusalFor(new ApiError(503, 'unavailable', 'x'), english).detail).toBe('Please try again in a moment.');
  });

  it("when check-in has not opened, then the opening time is shown in the exam's time zone", () => {
    const error = new ApiError(403, 'not_open_yet', 'x', undefined, { opensAt: '2030-06-01T07:00:00.000Z', timeZone: 'Europe/Berlin' });
    expect(refusalFor(error, english).detail).toBe('It opens on Saturday, June 1, 2030 at 9:00 AM GMT+2. Keep this page open and check in then.');
  });

  it('when the error is not from the API, then a generic retry message, never a stack', () => {
    expect(refusalFor(new Error('boom'), english)).toEqual({ title: 'Something went wrong', detail: 'Please try again.' });
  });

  it('when any error code of the contract or a lost connection arrives, then it has a title and a detail', () => {
    const texts = [...errorCodes, 'network' as const].map((code) => refusalFor(new ApiError(400, code, 'm'), english));
    expect(texts.filter((text) => text.title.startsWith('error.') || text.detail.startsWith('error.') || text.title === '')).toEqual([]);
  });
});
