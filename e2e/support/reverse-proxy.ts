import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReverseProxy {
  port: number;
  close(): Promise<void>;
}

// A minimal stand-in for nginx or a load balancer: it appends the peer address to X-Forwarded-For and
// reaches the server from 127.0.0.1, the one address that server is told to trust.
export async function startReverseProxy(targetPort: number): Promise<ReverseProxy> {
  const server = http.createServer((req, res) => {
    const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const forwarded = req.headers['x-forwarded-for'];
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: targetPort,
        localAddress: '127.0.0.1',
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': forwarded ? `${String(forwarded)}, ${peer}` : peer },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // The response closing means the client went away (an IncomingMessage closes once its body is read).
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
