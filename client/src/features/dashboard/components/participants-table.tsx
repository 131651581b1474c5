import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useMemo, useRef, useState } from 'react';
import type { ParticipantStatus } from '../../../../../contracts/checkin.ts';
import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { resetLockPrompt } from './action-prompts.ts';
import type { PendingAction } from './confirm-dialog.tsx';
import { formatTime, STATUS_LABEL } from './format.ts';

type SortKey = 'code' | 'fullName' | 'status' | 'lockedIp' | 'deviceLockedAt' | 'refusedAttempts';
const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'code', label: 'Code' },
  { key: 'fullName', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'lockedIp', label: 'Lock holder' },
  { key: 'deviceLockedAt', label: 'Locked at' },
  { key: 'refusedAttempts', label: 'Refused' },
];
const ROW_HEIGHT = 44;

const needsAttention = (p: ProctorParticipant) => p.openConflict || p.pendingRequest !== null;

export function ParticipantsTable({ participants, onAction }: { participants: ProctorParticipant[]; onAction: (action: PendingAction) => void }) {
  const [status, setStatus] = useState<ParticipantStatus | 'all' | 'attention'>('all');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; direction: 1 | -1 }>({ key: 'code', direction: 1 });
  const [pinAttention, setPinAttention] = useState(true);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const scrollRef = useRef<HTMLDivElement>(null);
  const ids = { search: useId(), status: useId(), pin: useId() };

  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const filtered = participants.filter(
      (p) =>
        (status === 'all' || (status === 'attention' ? needsAttention(p) : p.status === status)) &&
        (needle === '' || p.code.toLowerCase().includes(needle) || p.fullName.toLowerCase().includes(needle)),
    );
    const value = (p: ProctorParticipant) => p[sort.key] ?? '';
    return filtered.sort((a, b) => {
      if (pinAttention && needsAttention(a) !== needsAttention(b)) return needsAttention(a) ? -1 : 1;
      const x = value(a);
      const y = value(b);
      return (x < y ? -1 : x > y ? 1 : 0) * sort.direction;
    });
  }, [participants, status, search, sort, pinAttention]);

  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
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
        <h2 id="table-title">Participants</h2>
        <label htmlFor={ids.search} className="visually-hidden">
          Search by code or name
        </label>
        <input id={ids.search} type="search" placeholder="Search code or name" value={search} onChange={(e) => setSearch(e.target.value)} />
        <label htmlFor={ids.status}>Show</label>
        <select id={ids.status} value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="all">All</option>
          <option value="attention">Needs attention</option>
          <option value="unused">Not checked in</option>
          <option value="in_progress">In progress</option>
          <option value="expired">Finished</option>
        </select>
        <label className="checkbox" htmlFor={ids.pin}>
          <input id={ids.pin} type="checkbox" checked={pinAttention} onChange={(e) => setPinAttention(e.target.checked)} /> Pin conflicts to top
        </label>
      </div>
      {selectedRows.length > 0 && (
        <div className="bulk-bar" role="region" aria-label="Bulk actions">
          <span>{selectedRows.length} selected</span>
          <button
            type="button"
            onClick={() =>
              onAction({
                action: { kind: 'bulk-reset', items: selectedRows.map((p) => ({ code: p.code, expectedIp: p.lockedIp })) },
                title: `Reset ${selectedRows.length} device lock(s)?`,
                description: 'All or nothing: if any lock changed since you looked, nothing is reset.',
                confirmLabel: 'Reset locks',
              })
            }
          >
            Reset locks
          </button>
          <button
            type="button"
            onClick={() =>
              onAction({
                action: { kind: 'bulk-expire', codes: selectedRows.map((p) => p.code) },
                title: `Mark ${selectedRows.length} participant(s) finished?`,
                description: 'Their codes expire: further check-ins are refused.',
                confirmLabel: 'Mark finished',
              })
            }
          >
            Mark finished
          </button>
          <button
            type="button"
            onClick={() =>
              onAction({
                action: { kind: 'bulk-reopen', codes: selectedRows.map((p) => p.code) },
                title: `Reopen ${selectedRows.length} participant(s)?`,
                description: 'Finished codes become usable again.',
                confirmLabel: 'Reopen',
              })
            }
          >
            Reopen
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        </div>
      )}
      <div role="table" aria-label="Participants" aria-rowcount={rows.length + 1} className="grid-table">
        <div role="rowgroup">
          <div role="row" className="grid-row grid-head" aria-rowindex={1}>
            <span role="columnheader" className="cell-select">
              <span className="visually-hidden">Select</span>
            </span>
            {COLUMNS.map((column) => (
              <span
                role="columnheader"
                key={column.key}
                aria-sort={sort.key === column.key ? (sort.direction === 1 ? 'ascending' : 'descending') : 'none'}
              >
                <button
                  type="button"
                  className="sort"
                  onClick={() => setSort((current) => ({ key: column.key, direction: current.key === column.key ? (-current.direction as 1 | -1) : 1 }))}
                >
                  {column.label}
                  <span aria-hidden="true">{sort.key === column.key ? (sort.direction === 1 ? ' ▲' : ' ▼') : ''}</span>
                </button>
              </span>
            ))}
            <span role="columnheader">Actions</span>
          </div>
        </div>
        <div ref={scrollRef} className="grid-scroll" role="rowgroup">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const p = rows[item.index]!;
              const label = STATUS_LABEL[p.status];
              return (
                <div
                  role="row"
                  key={p.code}
                  aria-rowindex={item.index + 2}
                  className={`grid-row${needsAttention(p) ? ' attention' : ''}`}
                  style={{ position: 'absolute', top: 0, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT, width: '100%' }}
                >
                  <span role="cell" className="cell-select">
                    <input type="checkbox" aria-label={`Select ${p.code}`} checked={selected.has(p.code)} onChange={() => toggle(p.code)} />
                  </span>
                  <span role="cell" className="code">
                    {p.code}
                  </span>
                  <span role="cell" className="name">
                    {p.fullName}
                  </span>
                  <span role="cell">
                    <span className={`status status-${p.status}`}>
                      <span aria-hidden="true">{label.icon} </span>
                      {label.text}
                    </span>
                    {p.pendingRequest && <span className="tag tag-request">⇄ request</span>}
                    {p.openConflict && !p.pendingRequest && <span className="tag tag-conflict">⚠ conflict</span>}
                  </span>
                  <span role="cell" className="ip">
                    {p.lockedIp ?? '—'}
                  </span>
                  <span role="cell">{formatTime(p.deviceLockedAt)}</span>
                  <span role="cell">{p.refusedAttempts}</span>
                  <span role="cell" className="row-actions">
                    {p.lockedIp && (
                      <button type="button" onClick={() => onAction(resetLockPrompt(p))}>
                        Reset<span className="visually-hidden"> lock of {p.code}</span>
                      </button>
                    )}
                    <button
                      type="button"
                      onClick={() =>
                        onAction({
                          action: p.status === 'expired' ? { kind: 'reopen', code: p.code } : { kind: 'expire', code: p.code },
                          title: p.status === 'expired' ? `Reopen ${p.code}?` : `Mark ${p.code} finished?`,
                          description: p.status === 'expired' ? 'The code can be used to check in again.' : 'The code expires: further check-ins are refused.',
                          confirmLabel: p.status === 'expired' ? 'Reopen' : 'Mark finished',
                        })
                      }
                    >
                      {p.status === 'expired' ? 'Reopen' : 'Finish'}
                      <span className="visually-hidden"> {p.code}</span>
                    </button>
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {rows.length === 0 && <p className="muted empty">No participant matches.</p>}
    </section>
  );
}
