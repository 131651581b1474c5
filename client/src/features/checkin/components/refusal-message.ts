import { ApiError } from '../../../lib/api-client.ts';

export interface Refusal {
  title: string;
  detail: string;
}

export function refusalFor(error: unknown): Refusal {
  if (!(error instanceof ApiError)) return { title: 'Something went wrong', detail: 'Please try again.' };
  switch (error.code) {
    case 'locked_to_another_device':
      return {
        title: 'This code is in use on another device',
        detail: 'Only one device can use a participant code. Ask a proctor to move your check-in to this device.',
      };
    case 'code_expired':
      return { title: 'This code has expired', detail: 'It can no longer be used to check in. Ask a proctor if you think this is a mistake.' };
    case 'not_recognised':
      return { title: 'Code and name not recognised', detail: 'Check your participant code and your full name as registered, then try again.' };
    case 'invalid_input':
      return { title: 'Please check what you typed', detail: error.message };
    case 'unavailable':
      return {
        title: 'The check-in service is busy',
        detail: `Please try again${error.retryAfterSeconds ? ` in ${error.retryAfterSeconds} seconds` : ' in a moment'}.`,
      };
    case 'rate_limited':
      return {
        title: 'Too many failed attempts',
        detail: `Please wait${error.retryAfterSeconds ? ` ${Math.ceil(error.retryAfterSeconds / 60)} minute(s)` : ' a few minutes'} and try again, or ask a proctor for help.`,
      };
    case 'network':
      return { title: 'No connection to the server', detail: error.message };
    default:
      return { title: 'Something went wrong', detail: error.message };
  }
}
