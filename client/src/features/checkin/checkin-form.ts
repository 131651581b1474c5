import { FULL_NAME_MAX_LENGTH, PARTICIPANT_CODE_PATTERN } from '../../../../contracts/checkin.ts';

// Message ids of the catalogs: the same limits the server enforces (contracts/checkin.ts), told before a
// round trip, in the reader's language.
export interface FieldErrors {
  code?: 'checkin.code.missing' | 'checkin.code.invalid';
  fullName?: 'checkin.name.missing' | 'checkin.name.tooLong';
}

export const NAME_LIMIT = FULL_NAME_MAX_LENGTH;

export function validateCheckIn(code: string, fullName: string): FieldErrors {
  const errors: FieldErrors = {};
  if (code.trim() === '') errors.code = 'checkin.code.missing';
  else if (!PARTICIPANT_CODE_PATTERN.test(code.trim())) errors.code = 'checkin.code.invalid';
  if (fullName.trim() === '') errors.fullName = 'checkin.name.missing';
  else if (fullName.length > FULL_NAME_MAX_LENGTH) errors.fullName = 'checkin.name.tooLong';
  return errors;
}
