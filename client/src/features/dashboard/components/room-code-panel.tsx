import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useIntl } from 'react-intl';
import { formatRoomCode, ROOM_CODE_GRACE_S } from '../../../../../contracts/room-codes.ts';
import { roomCodesQuery } from '../api/room-codes.ts';
import { useModalDialog } from './dialog-parts.tsx';

// The code participants of the opened room type with their check-in, large enough to read from the back of
// the room, and larger still on a projector ("Show large": the whole screen, Escape to close).
export function RoomCodePanel({ sessionId, room, timeZone }: { sessionId: number; room: string; timeZone: string | undefined }) {
  const intl = useIntl();
  const titleId = useId();
  const codes = useQuery(roomCodesQuery(sessionId));
  const shown = codes.data?.rooms.find((candidate) => candidate.room === room);
  const [large, setLarge] = useState(false);
  const dialogRef = useModalDialog(large && shown ? shown : null, () => undefined);
  if (codes.data && !shown) return null;
  const changesAt = shown && intl.formatTime(new Date(shown.changesAt), { hour: '2-digit', minute: '2-digit', timeZone });
  return (
    <section className="panel room-code" aria-labelledby={titleId}>
      <h2 id={titleId}>
        {intl.formatMessage({ id: 'roomCode.title' })} · <bdi>{room}</bdi>
      </h2>
      {shown ? (
        <>
          <p className="room-code-value" dir="ltr">
            {formatRoomCode(shown.code)}
          </p>
          <p className="muted">{intl.formatMessage({ id: 'roomCode.use' }, { time: changesAt, grace: ROOM_CODE_GRACE_S / 60 })}</p>
          <button type="button" onClick={() => setLarge(true)}>
            {intl.formatMessage({ id: 'roomCode.showLarge' })}
          </button>
          <dialog ref={dialogRef} className="room-code-large" aria-labelledby={`${titleId}-large`} onClose={() => setLarge(false)}>
            <h2 id={`${titleId}-large`}>
              {intl.formatMessage({ id: 'roomCode.title' })} · <bdi>{room}</bdi>
            </h2>
            <p className="room-code-value" dir="ltr">
              {formatRoomCode(shown.code)}
            </p>
            <button type="button" onClick={() => setLarge(false)}>
              {intl.formatMessage({ id: 'roomCode.close' })}
            </button>
          </dialog>
        </>
      ) : codes.isError ? (
        <p role="alert">{intl.formatMessage({ id: 'roomCode.failed' })}</p>
      ) : (
        <p className="muted" role="status">
          {intl.formatMessage({ id: 'dashboard.loading' })}
        </p>
      )}
    </section>
  );
}
