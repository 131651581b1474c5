import http from 'node:http';

// A request must have arrived whole (headers and body) within this. A body that trickles in a byte at a
// time would otherwise hold one of the admission slots for Node's default five minutes; a few hundred
// such connections would stall every check-in. Node checks the deadline every second instead of its
// default thirty.
export const REQUEST_RECEIVE_TIMEOUT_MS = 10_000;

// Without a request listener: admission decides when each request reaches the app.
export function createHttpServer(): http.Server {
  return http.createServer({ requestTimeout: REQUEST_RECEIVE_TIMEOUT_MS, headersTimeout: REQUEST_RECEIVE_TIMEOUT_MS, connectionsCheckingInterval: 1000 });
}
