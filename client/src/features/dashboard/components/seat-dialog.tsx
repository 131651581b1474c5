import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useIntl } from 'react-intl';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { roomsQuery, useMoveSeat } from '../api/rooms.ts';
import { ActionError, DialogActions, ReasonField, useModalDialog } from './dialog-parts.tsx';

const NO_ROOM = '';
const NO_SEAT = '';

// A proctor gives a participant another room or seat, or frees their seat (a full room's refused participant
// gets the seat someone left). The seats offered are the room's free ones, read when the dialog opens; the
// server refuses a seat taken meanwhile (seat_taken) and a participant moved by someone else (stale_update).
export function SeatDialog({ participant, onClose }: { participant: ProctorParticipant | null; onClose: () => void }) {
  const intl = useIntl();
  const [room, setRoom] = useState(NO_ROOM);
  const [seat, setSeat] = useState(NO_SEAT);
  const [reason, setReason] = useState('');
  const rooms = useQuery({ ...roomsQuery(participant?.sessionId ?? 0), enabled: participant !== null });
  const move = useMoveSeat();
  const ids = { title: useId(), hint: useId(), room: useId(), seat: useId(), reason: useId() };

  const dialogRef = useModalDialog(participant, (opened) => {
    setRoom(opened.room ?? NO_ROOM);
    setSeat(opened.seat ?? NO_SEAT);
    setReason('');
    move.reset();
  });

  const chosenRoom = rooms.data?.find((candidate) => candidate.name === room);
  // The participant's own seat is offered too: keeping it while changing nothing else is no change.
  const seats = [...(participant?.seat && participant.room === room ? [participant.seat] : []), ...(chosenRoom?.freeSeats ?? [])];
  const unchanged = participant !== null && (participant.room ?? NO_ROOM) === room && (participant.seat ?? NO_SEAT) === seat;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!participant || move.isPending || reason.trim() === '' || unchanged) return;
    move.mutate(
      {
        code: participant.code,
        change: { reason: reason.trim(), room: room === NO_ROOM ? null : room, seat: seat === NO_SEAT ? null : seat, expectedRoom: participant.room, expectedSeat: participant.seat },
      },
      { onSuccess: onClose },
    );
  };

  return (
    <dialog ref={dialogRef} className="dialog" aria-labelledby={ids.title} aria-describedby={ids.hint} onClose={onClose}>
      {participant && (
        <form onSubmit={submit}>
          <h2 id={ids.title}>{intl.formatMessage({ id: 'seatDialog.title' })}</h2>
          <p id={ids.hint}>
            {intl.formatMessage(
              { id: 'seatDialog.for' },
              { name: <bdi>{participant.fullName}</bdi>, code: <bdi className="code">{participant.code}</bdi>, place: <bdi>{participant.room === null ? intl.formatMessage({ id: 'seatDialog.nowhere' }) : participant.seat === null ? participant.room : `${participant.room} · ${participant.seat}`}</bdi> },
            )}
          </p>
          <label htmlFor={ids.room}>{intl.formatMessage({ id: 'start.room' })}</label>
          <select
            id={ids.room}
            value={room}
            onChange={(e) => {
              setRoom(e.target.value);
              setSeat(NO_SEAT);
            }}
            autoFocus
          >
            <option value={NO_ROOM}>{intl.formatMessage({ id: 'seatDialog.noRoom' })}</option>
            {rooms.data?.map((candidate) => (
              <option key={candidate.id} value={candidate.name}>
                {candidate.seats === 0
                  ? candidate.name
                  : intl.formatMessage({ id: 'seatDialog.roomWithSeats' }, { room: candidate.name, free: candidate.freeSeats.length, seats: candidate.seats })}
              </option>
            ))}
          </select>
          <label htmlFor={ids.seat}>{intl.formatMessage({ id: 'start.seat' })}</label>
          <select id={ids.seat} value={seat} onChange={(e) => setSeat(e.target.value)} disabled={room === NO_ROOM}>
            <option value={NO_SEAT}>{intl.formatMessage({ id: 'seatDialog.noSeat' })}</option>
            {seats.map((label) => (
              <option key={label} value={label}>
                {label}
              </option>
            ))}
          </select>
          <ReasonField id={ids.reason} value={reason} onChange={setReason} />
          <ActionError error={move.error ?? rooms.error} />
          <DialogActions label={intl.formatMessage({ id: 'seatDialog.save' })} ready={reason.trim() !== '' && !unchanged} busy={move.isPending} onCancel={onClose} />
        </form>
      )}
    </dialog>
  );
}
