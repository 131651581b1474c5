import { FULL_NAME_MAX_LENGTH, PARTICIPANT_CODE_PATTERN } from '../../../../contracts/checkin.ts';
import { normaliseRoomCode, ROOM_CODE_DIGITS } from '../../../../contracts/room-codes.ts';

// Message ids of the catalogs: the same limits the server enforces (contracts/checkin.ts), told before a
// round trip, in the reader's language.
export interface FieldErrors {
  code?: 'checkin.code.missing' | 'checkin.code.invalid';
  fullName?: 'checkin.name.missing' | 'checkin.name.tooLong';
  roomCode?: 'checkin.roomCode.invalid';
}

const ROOM_CODE_SHAPE = new RegExp(`^\\d{${ROOM_CODE_DIGITS}}$`);

export const NAME_LIMIT = FULL_NAME_MAX_LENGTH;

// `roomCode`: undefined when the page asks for none. It may be left empty: the page cannot know whether this
// participant's session asks for one (another session's may), and the server answers a missing one.
export function validateCheckIn(code: string, fullName: string, roomCode?: string): FieldErrors {
  const errors: FieldErrors = {};
  if (code.trim() === '') errors.code = 'checkin.code.missing';
  else if (!PARTICIPANT_CODE_PATTERN.test(code.trim())) errors.code = 'checkin.code.invalid';
  if (fullName.trim() === '') errors.fullName = 'checkin.name.missing';
  else if (fullName.length > FULL_NAME_MAX_LENGTH) errors.fullName = 'checkin.name.tooLong';
  const typedRoomCode = roomCode === undefined ? '' : normaliseRoomCode(roomCode);
  if (typedRoomCode !== '' && !ROOM_CODE_SHAPE.test(typedRoomCode)) errors.roomCode = 'checkin.roomCode.invalid';
  return errors;
}
