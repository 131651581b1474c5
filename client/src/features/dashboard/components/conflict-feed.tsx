import { useIntl } from 'react-intl';
import { approvePrompt, declinePrompt, resetLockPrompt, transferLockPrompt } from './action-prompts.ts';
import { DeviceBadge } from './device-badge.tsx';
import { formatTime } from './format.ts';
import { needsAttention, type ParticipantListProps } from './participants-table.tsx';

// A device that holds another participant's lock (device sharing refused or flagged): the conflict names
// that participant rather than a second device.
const SHARED_DEVICE_KINDS: readonly string[] = ['device_shared', 'checked_in_shared_device'];
const conflictTag = (kind: string | undefined) => (kind === 'device_key_copied' ? 'feed.copiedKey' : kind && SHARED_DEVICE_KINDS.includes(kind) ? 'feed.sharedDevice' : 'feed.refusedDevice');

export function ConflictFeed({ participants, timeZone, onAction, sessionNames }: ParticipantListProps) {
  const intl = useIntl();
  const namesByCode = new Map(participants.map((p) => [p.code, p.fullName]));
  const items = participants
    .filter(needsAttention)
    .sort((a, b) => (b.pendingRequest?.createdAt ?? b.lastRefused?.at ?? '').localeCompare(a.pendingRequest?.createdAt ?? a.lastRefused?.at ?? ''));
  return (
    <section className="panel feed" aria-labelledby="feed-title">
      <h2 id="feed-title">
        {intl.formatMessage({ id: 'feed.title' })} <span className="count">{intl.formatNumber(items.length)}</span>
      </h2>
      {items.length === 0 ? (
        <p className="muted">{intl.formatMessage({ id: 'feed.empty' })}</p>
      ) : (
        <ul className="feed-list">
          {items.map((p) => {
            const request = p.pendingRequest;
            const refused = p.lastRefused;
            const sharedWith = refused && SHARED_DEVICE_KINDS.includes(refused.kind) ? refused.sharedWith : null;
            return (
              <li key={p.code} className={`feed-item${request ? ' has-request' : ''}`} aria-label={`${p.fullName}, ${p.code}`}>
                <p className="feed-head">
                  <strong>
                    <bdi>{p.fullName}</bdi>
                  </strong>{' '}
                  <bdi className="code">{p.code}</bdi>
                  {sessionNames && (
                    <span className="tag tag-session">
                      <bdi>{sessionNames.get(p.sessionId) ?? p.sessionId}</bdi>
                    </span>
                  )}
                  {request ? (
                    <span className="tag tag-request">{intl.formatMessage({ id: 'feed.asksToMove' })}</span>
                  ) : (
                    <span className="tag tag-conflict">{intl.formatMessage({ id: conflictTag(refused?.kind) })}</span>
                  )}
                </p>
                <div className="sides">
                  <div className="side">
                    <p className="side-label">{intl.formatMessage({ id: 'feed.holder' })}</p>
                    <DeviceBadge ip={p.lockedIp} device={p.lockedDevice} userAgent={p.lockedUserAgent} />
                    <p className="muted">{intl.formatMessage({ id: 'feed.since' }, { time: formatTime(intl, p.deviceLockedAt, timeZone) })}</p>
                  </div>
                  <div className="side refused">
                    <p className="side-label">
                      {request ? intl.formatMessage({ id: 'feed.requester' }) : intl.formatMessage({ id: 'feed.refused' }, { count: p.refusedAttempts })}
                    </p>
                    {request ? (
                      <DeviceBadge ip={request.requesterIp} device={request.requesterDevice} userAgent={request.userAgent} />
                    ) : (
                      <DeviceBadge ip={refused?.ip ?? null} device={refused?.device ?? null} userAgent={refused?.userAgent ?? null} />
                    )}
                    <p className="muted">{formatTime(intl, request?.createdAt ?? refused?.at ?? null, timeZone)}</p>
                    {sharedWith !== null && (
                      <p className="shared-with">
                        {intl.formatMessage(
                          { id: 'feed.sharedWith' },
                          {
                            admitted: refused?.kind === 'checked_in_shared_device' ? 'yes' : 'no',
                            name: <bdi>{namesByCode.get(sharedWith) ?? '?'}</bdi>,
                            code: <bdi className="code">{sharedWith}</bdi>,
                          },
                        )}
                      </p>
                    )}
                  </div>
                </div>
                <div className="actions">
                  {request ? (
                    <>
                      <button type="button" className="primary" onClick={() => onAction(approvePrompt(intl, p, request))}>
                        {intl.formatMessage({ id: 'feed.approve' })}
                      </button>
                      <button type="button" onClick={() => onAction(declinePrompt(intl, p, request))}>
                        {intl.formatMessage({ id: 'feed.decline' })}
                      </button>
                    </>
                  ) : (
                    <>
                      {refused?.ip && sharedWith === null && (
                        <button type="button" className="primary" onClick={() => onAction(transferLockPrompt(intl, p, refused))}>
                          {intl.formatMessage({ id: 'feed.moveHere' })}
                        </button>
                      )}
                      <button type="button" onClick={() => onAction(resetLockPrompt(intl, p))}>
                        {intl.formatMessage({ id: 'feed.reset' })}
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
