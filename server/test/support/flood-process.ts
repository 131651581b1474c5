import http from 'node:http';

// One address flooding the server: `connections` kept-alive connections from `address`, each sending
// unknown-code check-ins back to back. Its own process, so that the flood's client work is not done on the
// event loop of the test that measures. Prints "ready" at its 300th answer, once it runs at full speed; on
// SIGTERM prints its answers by status as JSON and exits.
const [port, connections, address] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const answers: Record<string, number> = {};
let sent = 0;
let ready = false;
let answered = 0;

function attempt(): Promise<void> {
  const body = JSON.stringify({ code: `FLOOD${sent++}`, fullName: 'Nobody Here' });
  return new Promise((resolve) => {
    const req = http.request(
      { port: Number(port), host: '127.0.0.1', path: '/api/check-in', method: 'POST', localAddress: address, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => {
          answers[res.statusCode ?? 0] = (answers[res.statusCode ?? 0] ?? 0) + 1;
          if (!ready && ++answered >= 300) {
            ready = true;
            process.stdout.write('ready\n');
          }
          resolve();
        });
      },
    );
    req.on('error', () => {
      answers.error = (answers.error ?? 0) + 1;
      resolve();
    });
    req.end(body);
  });
}

for (let i = 0; i < Number(connections); i++) {
  void (async () => {
    for (;;) await attempt();
  })();
}
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify(answers)}\n`, () => process.exit(0));
});
