import http from 'node:http';

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

// One keep-alive agent per simulated device, bound to the device's own source address.
export function deviceAgent(localAddress: string, maxSockets = 1): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, localAddress } as http.AgentOptions);
}

export function postJson(baseUrl: string, path: string, body: unknown, agent: http.Agent, headers: Record<string, string> = {}): Promise<Timed> {
  const payload = JSON.stringify(body);
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      `${baseUrl}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const endedAt = performance.now();
          resolve({ status: res.statusCode ?? 0, ms: endedAt - startedAt, body: Buffer.concat(chunks).toString(), startedAt, endedAt });
        });
      },
    );
    req.on('error', (error) => {
      const endedAt = performance.now();
      resolve({ status: 0, ms: endedAt - startedAt, body: String(error), startedAt, endedAt });
    });
    req.end(payload);
  });
}

export function deviceIp(index: number, block: number): string {
  return `127.${block}.${Math.floor(index / 250)}.${1 + (index % 250)}`;
}
