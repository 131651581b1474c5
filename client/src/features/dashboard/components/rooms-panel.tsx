import { useId } from 'react';
import { useIntl } from 'react-intl';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import type { RoomView } from '../../../../../contracts/rooms.ts';
import { roomOverview } from './room-overview.ts';

// Every room of the session at a glance, live: who is expected, present and missing, what needs a proctor,
// and the free seats. A room's name shows its participants in the table.
export function RoomsPanel({ participants, rooms, onOpen }: { participants: ProctorParticipant[]; rooms: RoomView[]; onOpen: (room: string) => void }) {
  const intl = useIntl();
  const titleId = useId();
  const n = (value: number) => intl.formatNumber(value);
  return (
    <section className="panel rooms" aria-labelledby={titleId}>
      <h2 id={titleId}>{intl.formatMessage({ id: 'rooms.title' })}</h2>
      {/* Seven columns do not fit a phone: the table scrolls sideways inside the panel, not the page. */}
      <div className="rooms-scroll">
        <table className="rooms-table">
          <caption className="visually-hidden">{intl.formatMessage({ id: 'rooms.title' })}</caption>
          <thead>
            <tr>
              <th scope="col">{intl.formatMessage({ id: 'start.room' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'rooms.expected' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'rooms.present' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'rooms.missing' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'rooms.conflicts' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'rooms.requests' })}</th>
              <th scope="col">{intl.formatMessage({ id: 'rooms.freeSeats' })}</th>
            </tr>
          </thead>
          <tbody>
            {roomOverview(participants, rooms).map((room) => (
              <tr key={room.room} className={room.conflicts + room.requests > 0 ? 'attention' : undefined}>
                <th scope="row">
                  <button type="button" className="link-button" onClick={() => onOpen(room.room)}>
                    <span className="visually-hidden">{intl.formatMessage({ id: 'rooms.show' })} </span>
                    <bdi>{room.room}</bdi>
                  </button>
                </th>
                <td>{n(room.expected)}</td>
                <td>{n(room.present)}</td>
                <td>{n(room.missing)}</td>
                <td>{n(room.conflicts)}</td>
                <td>{n(room.requests)}</td>
                <td>{room.freeSeats === null ? '—' : n(room.freeSeats)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
