import http from 'node:http';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export interface SseConnection {
  status: number;
  messages: SseMessage[];
  // Resolves once `predicate` holds for the messages received so far.
  waitFor(predicate: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<SseMessage[]>;
  close(): void;
  onEnd(listener: () => void): void;
}

export function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const messages: SseMessage[] = [];
    const waiters = new Set<() => void>();
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = { event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [field, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (field === 'id') message.id = value;
            else if (field === 'event') message.event = value;
            else if (field === 'data') {
              message.data += value;
              hasData = true;
            }
          }
          if (hasData) messages.push(message);
        }
        for (const waiter of waiters) waiter();
      });
      resolve({
        status: res.statusCode ?? 0,
        messages,
        waitFor: (predicate, timeoutMs = 5000) =>
          new Promise((resolveWait, rejectWait) => {
            const check = () => {
              if (predicate(messages)) {
                waiters.delete(check);
                clearTimeout(timer);
                resolveWait(messages);
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              rejectWait(new Error(`timed out; received ${JSON.stringify(messages.map((m) => m.id))}`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        close: () => {
          req.destroy();
          res.destroy();
        },
        onEnd: (listener) => {
          if (res.complete || res.destroyed) listener();
          else res.once('close', listener);
        },
      });
    });
    req.on('error', reject);
  });
}

export function auditIds(messages: SseMessage[]): number[] {
  // An event's SSE id is `<audit id>@<instance>`.
  return messages.filter((message) => message.event === 'audit').map((message) => Number((message.id ?? '').split('@')[0]));
}
