import net from 'node:net';

export interface Timed {
  status: number;
  ms: number;
  body: string;
  startedAt: number;
  endedAt: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarise(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

const HEADER_END = Buffer.from('\r\n\r\n');

interface Pending {
  resolve(result: Timed): void;
  startedAt: number;
}

// One keep-alive HTTP/1.1 connection with at most one request in flight. The load generator shares the
// two cores with the server and the database, so it speaks just enough HTTP to time an answer:
// node:http's client cost about as much CPU per request as the server's whole Express stack.
class Connection {
  readonly socket: net.Socket;
  #buffered: Buffer = Buffer.alloc(0);
  #pending: Pending | undefined;
  #closed = false;

  constructor(host: string, port: number, localAddress: string, onIdle: (connection: Connection) => void, onClose: (connection: Connection) => void) {
    this.socket = net.connect({ host, port, localAddress, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
      if (this.#tryComplete()) onIdle(this);
    });
    const fail = (reason: string) => {
      if (this.#closed) return;
      this.#closed = true;
      this.#finish(0, reason);
      onClose(this);
    };
    this.socket.on('error', (error) => fail(String(error)));
    this.socket.on('close', () => fail('connection closed'));
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(request: Buffer, pending: Pending): void {
    this.#pending = pending;
    this.socket.write(request);
  }

  #finish(status: number, body: string): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    const endedAt = performance.now();
    pending.resolve({ status, ms: endedAt - pending.startedAt, body, startedAt: pending.startedAt, endedAt });
  }

  // Every examgate answer carries Content-Length (JSON bodies, never chunked).
  #tryComplete(): boolean {
    const headerEnd = this.#buffered.indexOf(HEADER_END);
    if (headerEnd < 0) return false;
    const head = this.#buffered.toString('latin1', 0, headerEnd);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    const bodyStart = headerEnd + HEADER_END.length;
    if (this.#buffered.length < bodyStart + length) return false;
    const status = Number(head.slice(9, 12));
    const body = this.#buffered.toString('utf8', bodyStart, bodyStart + length);
    this.#buffered = this.#buffered.subarray(bodyStart + length);
    this.#finish(status, body);
    return true;
  }
}

// A simulated device: its own source address, keep-alive connections opened as needed (one per request in
// flight), like a browser's.
export class Device {
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();

  constructor(
    private readonly baseUrl: URL,
    private readonly localAddress: string,
  ) {}

  post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Timed> {
    const payload = Buffer.from(JSON.stringify(body));
    const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    return this.#send(
      Buffer.concat([
        Buffer.from(
          `POST ${path} HTTP/1.1\r\nHost: ${this.baseUrl.host}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n${extra}\r\n`,
          'latin1',
        ),
        payload,
      ]),
    );
  }

  get(path: string): Promise<Timed> {
    return this.#send(Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${this.baseUrl.host}\r\n\r\n`, 'latin1'));
  }

  #send(request: Buffer): Promise<Timed> {
    return new Promise((resolve) => {
      let connection = this.#idle.pop();
      while (connection?.closed) connection = this.#idle.pop();
      if (!connection) {
        connection = new Connection(
          this.baseUrl.hostname,
          Number(this.baseUrl.port),
          this.localAddress,
          (idle) => this.#idle.push(idle),
          (closed) => this.#all.delete(closed),
        );
        this.#all.add(connection);
      }
      connection.send(request, { resolve, startedAt: performance.now() });
    });
  }

  destroy(): void {
    for (const connection of this.#all) connection.socket.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }
}

export function device(baseUrl: string, localAddress: string): Device {
  return new Device(new URL(baseUrl), localAddress);
}

export function deviceIp(index: number, block: number): string {
  return `127.${block}.${Math.floor(index / 250)}.${1 + (index % 250)}`;
}
