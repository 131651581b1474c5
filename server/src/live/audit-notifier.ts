import { EventEmitter } from 'node:events';

// An in-process wake-up for the audit tail: events committed by this process reach its dashboards at
// once, while events from other instances are picked up by the tail's polling.
const notifier = new EventEmitter();
notifier.setMaxListeners(0);

export function notifyAuditCommitted(): void {
  notifier.emit('committed');
}

export function onAuditCommitted(listener: () => void): () => void {
  notifier.on('committed', listener);
  return () => notifier.off('committed', listener);
}
