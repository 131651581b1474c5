import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
  elapsedMs: number;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
  // The source address of the socket: every 127.x.y.z address is local on Linux, so each simulated
  // device can be a genuinely distinct peer to the server.
  localAddress?: string;
}

// One request and its answer, for observers such as the OpenAPI conformance check (openapi-conformance.ts).
export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  response: HttpResponse;
}

const observers = new Set<(exchange: Exchange) => void>();

export function observeExchanges(observer: (exchange: Exchange) => void): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export function request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const started = performance.now();
  const body = options.json !== undefined ? JSON.stringify(options.json) : options.body;
  const headers: Record<string, string> = { ...(options.json !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const method = options.method ?? (body === undefined ? 'GET' : 'POST');
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers, localAddress: options.localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const response = { status: res.statusCode ?? 0, headers: res.headers, text, json, elapsedMs: performance.now() - started };
          for (const observe of observers) observe({ method, url, headers, body, response });
          resolve(response);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function deviceAddress(index: number): string {
  return `127.0.${10 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

export function checkIn(baseUrl: string, body: unknown, localAddress?: string, headers?: Record<string, string>) {
  return request(`${baseUrl}/api/check-in`, { json: body, localAddress, headers });
}

// A browser as the server sees it: one source address and one cookie jar, so the device key the server
// hands out comes back with every later request. Two of them on one address are a NAT hall.
export class TestDevice {
  readonly cookies = new Map<string, string>();

  constructor(readonly ip: string) {}

  async send(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await request(url, { ...options, localAddress: this.ip, headers: { ...(cookie ? { cookie } : {}), ...options.headers } });
    for (const line of ([] as string[]).concat(response.headers['set-cookie'] ?? [])) {
      const [pair] = line.split(';');
      const separator = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, separator), pair!.slice(separator + 1));
    }
    return response;
  }

  checkIn(baseUrl: string, body: unknown): Promise<HttpResponse> {
    return this.send(`${baseUrl}/api/check-in`, { json: body });
  }

  // The same browser from another network: the cookie jar moves with it.
  movedTo(ip: string): TestDevice {
    const moved = new TestDevice(ip);
    for (const [name, value] of this.cookies) moved.cookies.set(name, value);
    return moved;
  }
}
