import { type KeyboardEvent, useId, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { countStates, type MapSeat, seatRows, seatStates } from './seat-map.ts';

// An opened room's seat plan as a grid, each seat coloured (and named) by its participant's state; a seat
// with a participant opens them in the table. One tab stop: the arrow keys move between seats (right to
// left in Arabic), Home and End to a row's ends.
export function SeatMapPanel({ room, plan, participants, onOpen }: { room: string; plan: readonly string[]; participants: readonly ProctorParticipant[]; onOpen: (code: string) => void }) {
  const intl = useIntl();
  const titleId = useId();
  const rows = seatRows(plan, room, participants);
  const counts = countStates(rows);
  const [active, setActive] = useState<[number, number]>([0, 0]);
  const gridRef = useRef<HTMLDivElement>(null);
  const [activeRow, activeColumn] = [Math.min(active[0], rows.length - 1), active[1]];

  const focusSeat = (row: number, column: number) => {
    const target = Math.max(0, Math.min(row, rows.length - 1));
    const cell = Math.max(0, Math.min(column, rows[target]!.length - 1));
    setActive([target, cell]);
    gridRef.current?.querySelector<HTMLButtonElement>(`[data-seat="${target}-${cell}"]`)?.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const rtl = getComputedStyle(event.currentTarget).direction === 'rtl';
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    if (step !== undefined) focusSeat(activeRow, activeColumn + step);
    else if (event.key === 'ArrowDown') focusSeat(activeRow + 1, activeColumn);
    else if (event.key === 'ArrowUp') focusSeat(activeRow - 1, activeColumn);
    else if (event.key === 'Home') focusSeat(activeRow, 0);
    else if (event.key === 'End') focusSeat(activeRow, Number.MAX_SAFE_INTEGER);
    else return;
    event.preventDefault();
  };
  const seatName = (seat: MapSeat) =>
    intl.formatMessage(
      { id: seat.participant ? 'seatMap.seat' : 'seatMap.freeSeat' },
      { seat: seat.label, name: seat.participant?.fullName ?? '', code: seat.participant?.code ?? '', state: intl.formatMessage({ id: `seatMap.state.${seat.state}` }) },
    );

  return (
    <section className="panel seat-map" aria-labelledby={titleId}>
      <h2 id={titleId}>{intl.formatMessage({ id: 'seatMap.title' }, { room: <bdi>{room}</bdi> })}</h2>
      <ul className="seat-legend" aria-label={intl.formatMessage({ id: 'seatMap.legend' })}>
        {seatStates.map((state) => (
          <li key={state}>
            <span className={`seat-swatch seat-${state}`} aria-hidden="true" />
            {intl.formatMessage({ id: `seatMap.state.${state}` })} <span className="count">{intl.formatNumber(counts[state])}</span>
          </li>
        ))}
      </ul>
      <div ref={gridRef} role="grid" aria-labelledby={titleId} className="seat-grid" onKeyDown={onKeyDown}>
        {rows.map((row, r) => (
          <div role="row" className="seat-row" key={`${r}-${row[0]!.label}`}>
            {row.map((seat, c) => (
              <div role="gridcell" key={seat.label}>
                <button
                  type="button"
                  data-seat={`${r}-${c}`}
                  className={`seat seat-${seat.state}`}
                  tabIndex={r === activeRow && c === activeColumn ? 0 : -1}
                  aria-label={seatName(seat)}
                  aria-disabled={seat.participant === null}
                  onFocus={() => setActive([r, c])}
                  onClick={() => seat.participant && onOpen(seat.participant.code)}
                >
                  <bdi>{seat.label}</bdi>
                </button>
              </div>
            ))}
          </div>
        ))}
      </div>
    </section>
  );
}
