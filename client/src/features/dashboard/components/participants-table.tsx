import { useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type Ref, useId, useMemo, useRef, useState } from 'react';
import { useIntl } from 'react-intl';
import type { ParticipantStatus } from '../../../../../contracts/checkin.ts';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { parseReceipt } from '../../../../../contracts/receipt.ts';
import { receiptQuery } from '../api/receipts.ts';
import { useMediaQuery } from '../../../lib/use-media-query.ts';
import { bulkPrompt, letTryAgainPrompt, resetLockPrompt, statusPrompt } from './action-prompts.ts';
import type { PendingAction } from './confirm-dialog.tsx';
import { DeviceBadge } from './device-badge.tsx';
import { formatTime } from './format.ts';
import { ReceiptMatch } from './receipt-match.tsx';

type SortKey = 'code' | 'fullName' | 'status' | 'lockedIp' | 'deviceLockedAt' | 'refusedAttempts';
const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'code', label: 'table.code' },
  { key: 'fullName', label: 'table.name' },
  { key: 'status', label: 'table.status' },
  { key: 'lockedIp', label: 'table.holder' },
  { key: 'deviceLockedAt', label: 'table.lockedAt' },
  { key: 'refusedAttempts', label: 'table.refused' },
];
const STATUS_ICON: Record<ParticipantStatus, string> = { unused: '○', in_progress: '●', expired: '✓' };
// On a phone each participant is a card of five lines; elsewhere a row.
const ROW_HEIGHT = 44;
const CARD_HEIGHT = 176;

// Room and seat as proctors read them off a seat plan: "Hall A · B7".
const placeText = (p: ProctorParticipant) => (p.room === null ? '' : p.seat === null ? p.room : `${p.room} · ${p.seat}`);

// What the conflict feed lists and the table's "needs attention" filter shows.
export const needsAttention = (p: ProctorParticipant) => p.openConflict || p.pendingRequest !== null;

export interface ParticipantListProps {
  participants: ProctorParticipant[];
  timeZone: string | undefined;
  onAction: (action: PendingAction) => void;
  // On the all-sessions view, each row names its session.
  sessionNames?: Map<number, string>;
}

// onIncident opens the incident dialog for the participant; onSeat the seat dialog, offered for a participant
// with a room or in a session that has rooms (`hasRooms`).
// `room`: only that room's participants (chosen in the rooms overview); onRoom(null) shows everyone again.
// `search`: what the search box holds (the seat map opens a participant by putting their code there).
export function ParticipantsTable({
  participants, timeZone, onAction, onIncident, onSeat, hasRooms, room, onRoom, search, onSearch: setSearch, searchRef, sessionNames,
}: ParticipantListProps & {
  onIncident: (participant: ProctorParticipant) => void;
  onSeat: (participant: ProctorParticipant) => void;
  hasRooms: boolean;
  room: string | null;
  onRoom: (room: string | null) => void;
  search: string;
  onSearch: (search: string) => void;
  searchRef?: Ref<HTMLInputElement>;
}) {
  const intl = useIntl();
  const [status, setStatus] = useState<ParticipantStatus | 'all' | 'attention'>('all');
  const [sort, setSort] = useState<{ key: SortKey; direction: 1 | -1 }>({ key: 'code', direction: 1 });
  const [pinAttention, setPinAttention] = useState(true);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const scrollRef = useRef<HTMLDivElement>(null);
  const ids = { search: useId(), status: useId(), pin: useId() };
  const cards = useMediaQuery('(max-width: 640px)');

  // A receipt a participant shows is looked up on the server; its participant's row is then what the table shows.
  const receipt = parseReceipt(search);
  const receiptMatch = useQuery({ ...receiptQuery(receipt ?? ''), enabled: receipt !== undefined });
  const foundCode = receipt !== undefined && receiptMatch.isSuccess ? receiptMatch.data.participant.code : undefined;

  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const matches = (p: ProctorParticipant) =>
      foundCode !== undefined
        ? p.code === foundCode
        : needle === '' || p.code.toLowerCase().includes(needle) || p.fullName.toLowerCase().includes(needle) || placeText(p).toLowerCase().includes(needle);
    const filtered = participants.filter((p) => (status === 'all' || (status === 'attention' ? needsAttention(p) : p.status === status)) && (room === null || p.room === room) && matches(p));
    const value = (p: ProctorParticipant) => p[sort.key] ?? '';
    return filtered.sort((a, b) => {
      if (pinAttention && needsAttention(a) !== needsAttention(b)) return needsAttention(a) ? -1 : 1;
      const x = value(a);
      const y = value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * sort.direction;
    });
  }, [participants, status, search, foundCode, sort, pinAttention, room]);

  const rowHeight = cards ? CARD_HEIGHT : ROW_HEIGHT;
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => rowHeight, overscan: 12 });
  const selectedRows = participants.filter((p) => selected.has(p.code));
  const toggle = (code: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(code)) next.delete(code);
      else next.add(code);
      return next;
    });

  return (
    <section className="panel table-panel" aria-labelledby="table-title">
      <div className="table-toolbar">
        <h2 id="table-title">{intl.formatMessage({ id: 'table.title' })}</h2>
        <label htmlFor={ids.search} className="visually-hidden">
          {intl.formatMessage({ id: 'table.search.label' })}
        </label>
        <input ref={searchRef} id={ids.search} type="search" placeholder={intl.formatMessage({ id: 'table.search.placeholder' })} value={search} onChange={(e) => setSearch(e.target.value)} />
        <span className="toolbar-field">
          <label htmlFor={ids.status}>{intl.formatMessage({ id: 'table.show' })}</label>
          <select id={ids.status} value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="all">{intl.formatMessage({ id: 'table.filter.all' })}</option>
            <option value="attention">{intl.formatMessage({ id: 'table.filter.attention' })}</option>
            <option value="unused">{intl.formatMessage({ id: 'status.unused' })}</option>
            <option value="in_progress">{intl.formatMessage({ id: 'status.in_progress' })}</option>
            <option value="expired">{intl.formatMessage({ id: 'status.expired' })}</option>
          </select>
        </span>
        {room !== null && (
          <button type="button" className="tag tag-place room-filter" onClick={() => onRoom(null)}>
            {intl.formatMessage({ id: 'table.roomFilter' }, { room: <bdi>{room}</bdi> })} <span aria-hidden="true">✕</span>
          </button>
        )}
        <label className="checkbox" htmlFor={ids.pin}>
          <input id={ids.pin} type="checkbox" checked={pinAttention} onChange={(e) => setPinAttention(e.target.checked)} /> {intl.formatMessage({ id: 'table.pin' })}
        </label>
      </div>
      {/* A code or name that only looks like a receipt: the rows it matches are the answer, not "no receipt". */}
      {receipt !== undefined && !(receiptMatch.isError && rows.length > 0) && <ReceiptMatch receipt={receipt} match={receiptMatch} timeZone={timeZone} />}
      {selectedRows.length > 0 && (
        <div className="bulk-bar" role="region" aria-label={intl.formatMessage({ id: 'bulk.region' })}>
          <span>{intl.formatMessage({ id: 'bulk.selected' }, { count: selectedRows.length })}</span>
          <button type="button" onClick={() => onAction(bulkPrompt(intl, 'bulk-reset', selectedRows))}>
            {intl.formatMessage({ id: 'bulk.reset.button' })}
          </button>
          <button type="button" onClick={() => onAction(bulkPrompt(intl, 'bulk-expire', selectedRows))}>
            {intl.formatMessage({ id: 'bulk.expire.button' })}
          </button>
          <button type="button" onClick={() => onAction(bulkPrompt(intl, 'bulk-reopen', selectedRows))}>
            {intl.formatMessage({ id: 'bulk.reopen.button' })}
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            {intl.formatMessage({ id: 'bulk.clear' })}
          </button>
        </div>
      )}
      <div role="table" aria-label={intl.formatMessage({ id: 'table.title' })} aria-rowcount={rows.length + 1} className={`grid-table${cards ? ' as-cards' : ''}`}>
        <div role="rowgroup">
          <div role="row" className="grid-row grid-head" aria-rowindex={1}>
            <span role="columnheader" className="cell-select">
              <span className="visually-hidden">{intl.formatMessage({ id: 'table.select' })}</span>
            </span>
            {COLUMNS.map((column) => (
              <span role="columnheader" key={column.key} className={`cell-${column.key}`} aria-sort={sort.key === column.key ? (sort.direction === 1 ? 'ascending' : 'descending') : 'none'}>
                <button
                  type="button"
                  className="sort"
                  onClick={() => setSort((current) => ({ key: column.key, direction: current.key === column.key ? (-current.direction as 1 | -1) : 1 }))}
                >
                  {intl.formatMessage({ id: column.label })}
                  <span aria-hidden="true">{sort.key === column.key ? (sort.direction === 1 ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </span>
            ))}
            <span role="columnheader" className="cell-actions">
              {intl.formatMessage({ id: 'table.actions' })}
            </span>
          </div>
        </div>
        <div ref={scrollRef} className="grid-scroll" role="rowgroup">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const p = rows[item.index]!;
              return (
                <div
                  role="row"
                  key={p.code}
                  aria-rowindex={item.index + 2}
                  className={`grid-row${needsAttention(p) ? ' attention' : ''}`}
                  style={{ position: 'absolute', top: 0, insetInlineStart: 0, transform: `translateY(${item.start}px)`, height: rowHeight, width: '100%' }}
                >
                  <span role="cell" className="cell-select">
                    <input type="checkbox" aria-label={intl.formatMessage({ id: 'table.selectOne' }, { code: p.code })} checked={selected.has(p.code)} onChange={() => toggle(p.code)} />
                  </span>
                  <span role="cell" className="cell-code code">
                    <bdi>{p.code}</bdi>
                  </span>
                  <span role="cell" className="cell-fullName name">
                    <bdi>{p.fullName}</bdi>
                    {p.room !== null && (
                      <span className="tag tag-place">
                        <span className="visually-hidden">{intl.formatMessage({ id: 'table.place' })}: </span>
                        <bdi>{placeText(p)}</bdi>
                      </span>
                    )}
                    {sessionNames && (
                      <span className="tag tag-session">
                        <span className="visually-hidden">{intl.formatMessage({ id: 'table.session' })}: </span>
                        <bdi>{sessionNames.get(p.sessionId) ?? p.sessionId}</bdi>
                      </span>
                    )}
                  </span>
                  <span role="cell" className="cell-status">
                    <span className={`status status-${p.status}`}>
                      <span aria-hidden="true">{STATUS_ICON[p.status]} </span>
                      {intl.formatMessage({ id: `status.${p.status}` })}
                    </span>
                    {p.pendingRequest && <span className="tag tag-request">{intl.formatMessage({ id: 'table.tag.request' })}</span>}
                    {p.openConflict && !p.pendingRequest && <span className="tag tag-conflict">{intl.formatMessage({ id: 'table.tag.conflict' })}</span>}
                    {p.throttled && <span className="tag tag-throttled">{intl.formatMessage({ id: 'table.tag.throttled' })}</span>}
                    {p.withdrawn && (
                      <span className="tag tag-withdrawn" title={intl.formatMessage({ id: 'table.tag.withdrawn.hint' })}>
                        {intl.formatMessage({ id: 'table.tag.withdrawn' })}
                      </span>
                    )}
                  </span>
                  <span role="cell" className="cell-lockedIp">
                    <DeviceBadge ip={p.lockedIp} device={p.lockedDevice} userAgent={p.lockedUserAgent} compact />
                  </span>
                  <span role="cell" className="cell-deviceLockedAt">
                    {formatTime(intl, p.deviceLockedAt, timeZone)}
                  </span>
                  <span role="cell" className="cell-refusedAttempts">
                    {intl.formatNumber(p.refusedAttempts)}
                  </span>
                  <span role="cell" className="cell-actions row-actions">
                    {p.lockedIp && (
                      <button type="button" onClick={() => onAction(resetLockPrompt(intl, p))}>
                        {intl.formatMessage({ id: 'table.reset' })}
                        <span className="visually-hidden"> {p.code}</span>
                      </button>
                    )}
                    {p.throttled && (
                      <button type="button" onClick={() => onAction(letTryAgainPrompt(intl, p))}>
                        {intl.formatMessage({ id: 'table.letTryAgain' })}
                        <span className="visually-hidden"> {p.code}</span>
                      </button>
                    )}
                    <button type="button" onClick={() => onAction(statusPrompt(intl, p))}>
                      {intl.formatMessage({ id: p.status === 'expired' ? 'table.reopen' : 'table.expire' })}
                      <span className="visually-hidden"> {p.code}</span>
                    </button>
                    <button type="button" onClick={() => onIncident(p)}>
                      {intl.formatMessage({ id: 'table.incident' })}
                      <span className="visually-hidden"> {p.code}</span>
                    </button>
                    {(hasRooms || p.room !== null) && (
                      <button type="button" onClick={() => onSeat(p)}>
                        {intl.formatMessage({ id: 'table.seat' })}
                        <span className="visually-hidden"> {p.code}</span>
                      </button>
                    )}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {rows.length === 0 && <p className="muted empty">{intl.formatMessage({ id: 'table.empty' })}</p>}
    </section>
  );
}
