// Dashboards that follow the live stream and only count what arrives, in a process of their own: the
// server's CPU per check-in with them attached is then the fan-out's cost alone, not the cost of a load
// generator parsing 50 copies of every event on the same two cores.
// Usage: node --import tsx bench/dashboards.ts <stream URL> <cookie> <count>; prints "ready" once every
// stream is open, and "<bytes> <events>" when its stdin closes.
import http from 'node:http';

const [url, cookie, countText] = process.argv.slice(2);
const count = Number(countText);
let bytes = 0;
let events = 0;
let open = 0;
const requests: http.ClientRequest[] = [];
const marker = 'event: audit';

for (let i = 0; i < count; i++) {
  const req = http.get(url!, { headers: { cookie: cookie!, accept: 'text/event-stream' }, agent: false }, (res) => {
    if (++open === count) process.stdout.write('ready\n');
    res.setEncoding('latin1');
    res.on('data', (chunk: string) => {
      bytes += chunk.length;
      // An event's marker never straddles two chunks in practice (each batch is one write), and a miss
      // would only lower the count printed for information.
      for (let at = chunk.indexOf(marker); at >= 0; at = chunk.indexOf(marker, at + marker.length)) events++;
    });
  });
  req.on('error', (error) => {
    process.stderr.write(`dashboard stream failed: ${String(error)}\n`);
    process.exit(1);
  });
  requests.push(req);
}

process.stdin.resume();
process.stdin.on('end', () => {
  process.stdout.write(`${bytes} ${events}\n`);
  requests.forEach((req) => req.destroy());
  process.exit(0);
});
