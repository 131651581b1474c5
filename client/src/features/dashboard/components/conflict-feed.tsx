import type { ProctorParticipant } from '../../../../../contracts/proctor.ts';
import { resetLockPrompt, transferLockPrompt } from './action-prompts.ts';
import type { PendingAction } from './confirm-dialog.tsx';
import { formatTime, shortAgent } from './format.ts';

export function ConflictFeed({ participants, onAction }: { participants: ProctorParticipant[]; onAction: (action: PendingAction) => void }) {
  const items = participants
    .filter((p) => p.openConflict || p.pendingRequest)
    .sort((a, b) => (b.pendingRequest?.createdAt ?? b.lastRefused?.at ?? '').localeCompare(a.pendingRequest?.createdAt ?? a.lastRefused?.at ?? ''));
  return (
    <section className="panel feed" aria-labelledby="feed-title">
      <h2 id="feed-title">
        Conflicts and requests <span className="count">{items.length}</span>
      </h2>
      {items.length === 0 ? (
        <p className="muted">No open conflicts. Refused devices and device-change requests appear here as they happen.</p>
      ) : (
        <ul className="feed-list">
          {items.map((p) => {
            const request = p.pendingRequest;
            const refusedIp = request?.requesterIp ?? p.lastRefused?.ip ?? null;
            return (
              <li key={p.code} className={`feed-item${request ? ' has-request' : ''}`} aria-label={`${p.fullName}, ${p.code}`}>
                <p className="feed-head">
                  <strong>{p.fullName}</strong> <span className="code">{p.code}</span>
                  {request ? <span className="tag tag-request">⇄ Asks to move</span> : <span className="tag tag-conflict">⚠ Refused device</span>}
                </p>
                <div className="sides">
                  <div className="side">
                    <p className="side-label">Holds the lock</p>
                    <p className="ip">{p.lockedIp ?? 'nobody'}</p>
                    <p className="muted">since {formatTime(p.deviceLockedAt)}</p>
                  </div>
                  <div className="side refused">
                    <p className="side-label">{request ? 'Requesting device' : `Refused (${p.refusedAttempts}×)`}</p>
                    <p className="ip">{refusedIp ?? '—'}</p>
                    <p className="muted">
                      {shortAgent(request?.userAgent ?? p.lastRefused?.userAgent ?? null)} · {formatTime(request?.createdAt ?? p.lastRefused?.at ?? null)}
                    </p>
                  </div>
                </div>
                <div className="actions">
                  {request ? (
                    <>
                      <button
                        type="button"
                        className="primary"
                        onClick={() =>
                          onAction({
                            action: { kind: 'approve', requestId: request.id, code: p.code, expectedIp: p.lockedIp },
                            title: `Move ${p.code} to ${request.requesterIp}?`,
                            description: `The lock moves from ${p.lockedIp ?? 'nobody'} straight to ${request.requesterIp}, which then continues by itself.`,
                            confirmLabel: 'Approve and move',
                            defaultReason: 'Device change approved',
                          })
                        }
                      >
                        Approve
                      </button>
                      <button
                        type="button"
                        onClick={() =>
                          onAction({
                            action: { kind: 'decline', requestId: request.id, code: p.code },
                            title: `Decline the request for ${p.code}?`,
                            description: `The lock stays with ${p.lockedIp ?? 'nobody'}; the requesting device is told.`,
                            confirmLabel: 'Decline',
                          })
                        }
                      >
                        Decline
                      </button>
                    </>
                  ) : (
                    <>
                      {refusedIp && (
                        <button
                          type="button"
                          className="primary"
                          onClick={() => onAction(transferLockPrompt(p, refusedIp))}
                        >
                          Move to this device
                        </button>
                      )}
                      <button
                        type="button"
                        onClick={() => onAction(resetLockPrompt(p))}
                      >
                        Reset
                      </button>
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
