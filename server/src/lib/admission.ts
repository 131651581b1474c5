import type http from 'node:http';
import net from 'node:net';

export interface AdmissionOptions {
  port: number;
  host: string;
  backlog: number;
  // Requests being served at once; connections beyond wait, unread, until one finishes.
  maxInFlight: number;
}

export interface AdmissionGate {
  server: net.Server;
  inFlight(): number;
  waiting(): number;
  // Stops accepting; connections already waiting are still served.
  stopAccepting(): void;
  // Closes the connections that were never handed to the HTTP server (at the end of a shutdown).
  destroyWaiting(): void;
}

// Slot releases by response: a request gives its slot back when its response closes, or earlier when
// the route says it will stay open (the live stream).
const releases = new WeakMap<http.ServerResponse, () => void>();
// Connections handed over whose first request has not arrived yet hold a slot already, for at most
// RESERVATION_MS; the value cancels that deadline.
const reservations = new WeakMap<net.Socket, () => void>();
const RESERVATION_MS = 2000;

function takeReservation(socket: net.Socket): boolean {
  const cancelDeadline = reservations.get(socket);
  if (!cancelDeadline) return false;
  reservations.delete(socket);
  cancelDeadline();
  return true;
}

function destroyOnError(this: net.Socket): void {
  this.destroy();
}

export function exemptFromAdmission(res: http.ServerResponse): void {
  const release = releases.get(res);
  releases.delete(res);
  release?.();
}

// At exam start thousands of devices connect within a second. Node would read every request at once and
// hold its request, response, parser and promise chain while the database works through them (about
// 35 KB each; 5,000 at once in the burst). Here connections are accepted paused and handed to the HTTP
// server only while fewer than `maxInFlight` requests are being served; the rest wait, unread, in the
// kernel's socket buffers, which cost the process nothing, and are served in arrival order.
export function listenWithAdmission(httpServer: http.Server, options: AdmissionOptions): AdmissionGate {
  const waiting: net.Socket[] = [];
  let inFlight = 0;
  let accepting = true;

  const releaseSlot = () => {
    inFlight--;
    admit();
  };

  function admit(): void {
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const socket = waiting.shift()!;
      if (socket.destroyed) continue;
      // Counted from hand-over until its first request ends, so that a burst of hand-overs cannot
      // overshoot the limit before the requests have been read.
      inFlight++;
      const giveBack = () => {
        if (takeReservation(socket)) releaseSlot();
      };
      // A connection that is slow to send its request stops holding the slot after a moment (it stays
      // with the HTTP server and its own timeouts): otherwise a few hundred slow or silent connections
      // could stall admission for everybody else. A request that was already sent arrives at once.
      const deadline = setTimeout(giveBack, RESERVATION_MS).unref();
      reservations.set(socket, () => clearTimeout(deadline));
      socket.once('close', giveBack);
      socket.off('error', destroyOnError);
      httpServer.emit('connection', socket);
      socket.resume();
    }
  }

  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    // The first request of a connection takes over the slot reserved at hand-over; later keep-alive
    // requests take their own.
    if (!takeReservation(req.socket)) inFlight++;
    releases.set(res, releaseSlot);
    res.once('close', () => exemptFromAdmission(res));
  });

  // The options http.Server gives the sockets it accepts itself.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => {
    if (!accepting) {
      socket.destroy();
      return;
    }
    // A client that gives up while waiting must not become an unhandled error.
    socket.on('error', destroyOnError);
    waiting.push(socket);
    admit();
  });
  server.on('listening', () => {
    // http.Server starts its header and request timeout checks when it starts listening itself.
    httpServer.emit('listening');
  });
  server.listen({ port: options.port, host: options.host, backlog: options.backlog });

  return {
    server,
    inFlight: () => inFlight,
    waiting: () => waiting.length,
    stopAccepting: () => {
      accepting = false;
      server.close();
    },
    destroyWaiting: () => {
      for (const socket of waiting.splice(0)) socket.destroy();
    },
  };
}
