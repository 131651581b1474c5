import type http from 'node:http';
import net from 'node:net';

export interface AdmissionOptions {
  port: number;
  host: string;
  backlog: number;
  // Requests being served at once; the rest wait, fairly between source addresses, until one finishes.
  maxInFlight: number;
  // Paths answered without waiting for a slot (health checks, metrics scrapes), at most
  // PROBE_LANE_MAX_IN_FLIGHT at once: a busy instance must not look dead, nor go dark, to its operators.
  probePaths: readonly string[];
}

export interface AdmissionGate {
  server: net.Server;
  inFlight(): number;
  waiting(): number;
  // Requests cut because their body trickled in while their address was over its share, since start.
  slowBodiesCut(): number;
  // Stops accepting; connections already waiting are still served.
  stopAccepting(): void;
  // Closes the connections and requests still waiting for a slot (at the end of a shutdown).
  destroyWaiting(): void;
}

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

// Connections handed over whose first request has not arrived yet hold a slot already, for at most this.
const RESERVATION_MS = 2000;
// A request whose body has not arrived whole after this, from an address holding more than its share of
// the slots while others wait, is cut. A check-in's body comes in the same packet as its headers.
export const SLOW_BODY_GRACE_MS = 1000;
const SLOW_BODY_SWEEP_MS = 250;
// An address that sent a request this recently still counts as competing when shares are worked out.
// Check-ins are over in milliseconds: counted only while in flight, 200 devices arriving over half a
// second looked like a handful of addresses, and a flood from one address got a handful's share.
const COMPETING_FOR_MS = 1000;
// Probes cost little, but a flood of them must not become a way around admission.
const PROBE_LANE_MAX_IN_FLIGHT = 8;
// The first packets of waiting connections are read to find probes among them. Beyond this many bytes
// held, further connections wait unread (a probe among them waits its turn).
const PEEK_BUDGET_BYTES = 8 * 1024 * 1024;

// Slot releases by response: a request gives its slot back when its response closes, or earlier when
// the route says it will stay open (the live stream).
const releases = new WeakMap<http.ServerResponse, () => void>();

export function exemptFromAdmission(res: http.ServerResponse): void {
  const release = releases.get(res);
  releases.delete(res);
  release?.();
}

function destroyOnError(this: net.Socket): void {
  this.destroy();
}

interface WaitingConnection {
  kind: 'connection';
  socket: net.Socket;
  // Bytes of its first packet read to look for a probe, held until the HTTP server reads them.
  peekedBytes: number;
  // The listener waiting for that packet, while it has not come.
  onPeek?: (chunk: Buffer) => void;
}
interface WaitingRequest {
  kind: 'request';
  req: http.IncomingMessage;
  res: http.ServerResponse;
}
type Waiter = WaitingConnection | WaitingRequest;

interface InFlightRequest {
  req: http.IncomingMessage;
  since: number;
}

// One address's requests: those waiting in arrival order, and those being served.
class Source {
  private items: Waiter[] = [];
  private head = 0;
  slots = 0;
  readonly serving = new Set<InFlightRequest>();

  constructor(readonly address: string) {}

  push(waiter: Waiter): void {
    this.items.push(waiter);
  }
  shift(): Waiter | undefined {
    if (this.head === this.items.length) return undefined;
    const waiter = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as Waiter;
    // An address with thousands waiting (a NAT hall at exam start) must not cost a copy per admission.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return waiter;
  }
  // A waiting connection that turned out to be a probe leaves the queue (rare: a linear search).
  remove(waiter: Waiter): void {
    const index = this.items.indexOf(waiter, this.head);
    if (index !== -1) this.items.splice(index, 1);
  }
  get waitingCount(): number {
    return this.items.length - this.head;
  }
  drain(): Waiter[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

// At exam start thousands of devices connect within a second. Node would read every request at once and
// hold its request, response, parser and promise chain while the database works through them (about
// 35 KB each; 5,000 at once in the burst). Here connections are accepted paused and handed to the HTTP
// server only while fewer than `maxInFlight` requests are being served; the rest wait, unread, in the
// kernel's socket buffers, which cost the process nothing.
//
// Who is served next is fair between source addresses: waiting addresses take turns, and an address
// already holding its share of the slots (maxInFlight divided among the addresses that are waiting, being
// served, or seen in the last second) lets the others go first. An address alone gets all of the capacity; one address sending
// thousands of requests at once gets its share while others compete, and a NAT hall's devices behind
// one address are never refused, only served in turn. A later request on a kept-alive connection waits
// in the same queues, so a keep-alive flood cannot go around them.
export function listenWithAdmission(httpServer: http.Server, handleRequest: RequestListener, options: AdmissionOptions): AdmissionGate {
  const sources = new Map<string, Source>();
  // Addresses with something waiting, in turn order: the first is next, and one that was served moves to the end.
  const turns = new Map<string, Source>();
  const reservations = new WeakMap<net.Socket, { source: Source; cancel: () => void }>();
  const probePaths = new Set(options.probePaths);
  const recentlySeen = new Map<string, number>();
  let inFlight = 0;
  let waitingCount = 0;
  let probeLane = 0;
  let peekedBytes = 0;
  let accepting = true;
  let slowBodiesCut = 0;
  let sweepTimer: NodeJS.Timeout | undefined;

  function sourceOf(address: string | undefined): Source {
    const key = address ?? '';
    let source = sources.get(key);
    if (!source) {
      source = new Source(key);
      sources.set(key, source);
    }
    return source;
  }

  function forgetIfIdle(source: Source): void {
    if (source.slots === 0 && source.waitingCount === 0 && source.serving.size === 0) sources.delete(source.address);
  }

  function share(): number {
    const horizon = performance.now() - COMPETING_FOR_MS;
    for (const [address, lastSeen] of recentlySeen) {
      if (lastSeen >= horizon) break;
      recentlySeen.delete(address);
    }
    const competing = Math.max(sources.size, recentlySeen.size, 1);
    return Math.max(1, Math.floor(options.maxInFlight / competing));
  }

  function takeSlot(source: Source): void {
    inFlight++;
    source.slots++;
  }

  function releaseSlot(source: Source): void {
    inFlight--;
    source.slots--;
    forgetIfIdle(source);
    admit();
  }

  // The next address to serve: the first in turn order below its share. An address at its share waits
  // even while slots are free: the slots are not the scarce thing (the database and the CPU are), and
  // requests in flight share those, so more of one address's requests in flight means slower answers for
  // everyone else's. Alone, an address's share is every slot.
  function nextSource(): Source | undefined {
    const limit = share();
    for (const source of turns.values()) {
      if (source.slots < limit) return source;
    }
    return undefined;
  }

  function admit(): void {
    while (inFlight < options.maxInFlight && waitingCount > 0) {
      const source = nextSource();
      if (!source) return;
      const waiter = source.shift();
      turns.delete(source.address);
      if (source.waitingCount > 0) turns.set(source.address, source);
      if (!waiter) continue;
      waitingCount--;
      if (waiter.kind === 'connection') {
        giveBackPeek(waiter);
        if (waiter.socket.destroyed) {
          forgetIfIdle(source);
          continue;
        }
        handOver(waiter.socket, source);
      } else {
        if (waiter.res.closed || waiter.req.socket.destroyed) {
          forgetIfIdle(source);
          continue;
        }
        serve(waiter.req, waiter.res, source);
      }
    }
    if (waitingCount === 0 && sweepTimer) {
      clearInterval(sweepTimer);
      sweepTimer = undefined;
    }
  }

  function enqueue(source: Source, waiter: Waiter): void {
    // Kept in order of last arrival, so that share() drops the stale ones from the front.
    recentlySeen.delete(source.address);
    recentlySeen.set(source.address, performance.now());
    source.push(waiter);
    waitingCount++;
    if (!turns.has(source.address)) turns.set(source.address, source);
    sweepTimer ??= setInterval(cutSlowBodies, SLOW_BODY_SWEEP_MS).unref();
  }

  // Counted from hand-over until its first request ends, so that a burst of hand-overs cannot overshoot
  // the limit before the requests have been read.
  function handOver(socket: net.Socket, source: Source): void {
    takeSlot(source);
    const giveBack = () => {
      const reservation = reservations.get(socket);
      if (!reservation) return;
      reservations.delete(socket);
      reservation.cancel();
      releaseSlot(source);
    };
    // A connection that is slow to send its request stops holding the slot after a moment (it stays with
    // the HTTP server and its own timeouts; its request then waits its turn like a kept-alive one):
    // otherwise a few hundred slow or silent connections could stall admission for everybody else.
    const deadline = setTimeout(giveBack, RESERVATION_MS).unref();
    reservations.set(socket, { source, cancel: () => clearTimeout(deadline) });
    socket.once('close', giveBack);
    passToHttpServer(socket);
  }

  function passToHttpServer(socket: net.Socket): void {
    socket.off('error', destroyOnError);
    httpServer.emit('connection', socket);
    socket.resume();
  }

  function serve(req: http.IncomingMessage, res: http.ServerResponse, source: Source): void {
    takeSlot(source);
    serveInSlot(req, res, source);
  }

  // The slot is the source's already (taken now, or reserved at hand-over); it is given back when the
  // response closes, or earlier (exemptFromAdmission).
  function serveInSlot(req: http.IncomingMessage, res: http.ServerResponse, source: Source): void {
    const entry: InFlightRequest = { req, since: performance.now() };
    source.serving.add(entry);
    releases.set(res, () => {
      source.serving.delete(entry);
      releaseSlot(source);
    });
    handleRequest(req, res);
  }

  function serveInProbeLane(req: http.IncomingMessage, res: http.ServerResponse): void {
    probeLane++;
    res.once('close', () => probeLane--);
    handleRequest(req, res);
  }

  function isProbe(url: string | undefined): boolean {
    if (!url) return false;
    const query = url.indexOf('?');
    return probePaths.has(query === -1 ? url : url.slice(0, query));
  }

  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.once('close', () => exemptFromAdmission(res));
    const reservation = reservations.get(req.socket);
    if (reservation) {
      // The first request of a connection takes over the slot reserved at hand-over.
      reservations.delete(req.socket);
      reservation.cancel();
      serveInSlot(req, res, reservation.source);
      return;
    }
    if (isProbe(req.url) && probeLane < PROBE_LANE_MAX_IN_FLIGHT) {
      serveInProbeLane(req, res);
      return;
    }
    enqueue(sourceOf(req.socket.remoteAddress), { kind: 'request', req, res });
    admit();
  });

  // Reads the first packet of a waiting connection and puts it back, to see whether it is a probe.
  function peek(waiter: WaitingConnection): void {
    if (peekedBytes >= PEEK_BUDGET_BYTES) return;
    const socket = waiter.socket;
    const onData = (chunk: Buffer) => {
      waiter.onPeek = undefined;
      socket.pause();
      socket.unshift(chunk);
      waiter.peekedBytes = chunk.length;
      peekedBytes += chunk.length;
      if (probeLane < PROBE_LANE_MAX_IN_FLIGHT && startsProbe(chunk)) {
        const source = sourceOf(socket.remoteAddress);
        source.remove(waiter);
        waitingCount--;
        if (source.waitingCount === 0) turns.delete(source.address);
        forgetIfIdle(source);
        giveBackPeek(waiter);
        passToHttpServer(socket);
      }
    };
    waiter.onPeek = onData;
    socket.once('data', onData);
    socket.resume();
  }

  function giveBackPeek(waiter: WaitingConnection): void {
    if (waiter.onPeek) {
      waiter.socket.off('data', waiter.onPeek);
      waiter.onPeek = undefined;
      // Stops reading until the HTTP server takes over (no-op if the packet already came and paused it).
      waiter.socket.pause();
    }
    peekedBytes -= waiter.peekedBytes;
    waiter.peekedBytes = 0;
  }

  function startsProbe(chunk: Buffer): boolean {
    const line = chunk.subarray(0, 64).toString('latin1');
    const match = /^(?:GET|HEAD) (\/[^ ?]*)[ ?]/.exec(line);
    return match !== null && probePaths.has(match[1]!);
  }

  // Bodies that trickle in hold slots until the HTTP server's request timeout. From an address holding
  // more than its share while others wait, the oldest such requests beyond its share are cut now.
  function cutSlowBodies(): void {
    if (waitingCount === 0) return;
    const limit = share();
    const now = performance.now();
    for (const source of sources.values()) {
      let excess = source.slots - limit;
      if (excess <= 0) continue;
      for (const entry of source.serving) {
        if (excess <= 0) break;
        if (entry.req.complete || now - entry.since < SLOW_BODY_GRACE_MS) continue;
        entry.req.socket.destroy();
        slowBodiesCut++;
        excess--;
      }
    }
  }

  // The options http.Server gives the sockets it accepts itself.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    // A client that gives up while waiting must not become an unhandled error.
    socket.on('error', destroyOnError);
    const waiter: WaitingConnection = { kind: 'connection', socket, peekedBytes: 0 };
    enqueue(sourceOf(socket.remoteAddress), waiter);
    admit();
    // Still waiting (not handed over with a reservation just now): look for a probe.
    if (!reservations.has(socket) && !socket.destroyed) peek(waiter);
  });

  server.on('listening', () => {
    // http.Server starts its header and request timeout checks when it starts listening itself.
    httpServer.emit('listening');
  });
  server.listen({ port: options.port, host: options.host, backlog: options.backlog });

  return {
    server,
    inFlight: () => inFlight,
    waiting: () => waitingCount,
    slowBodiesCut: () => slowBodiesCut,
    stopAccepting: () => {
      accepting = false;
      server.close();
    },
    destroyWaiting: () => {
      turns.clear();
      for (const source of sources.values()) {
        for (const waiter of source.drain()) {
          if (waiter.kind === 'connection') waiter.socket.destroy();
          else waiter.req.socket.destroy();
        }
      }
      waitingCount = 0;
    },
  };
}
