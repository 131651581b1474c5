// The reference for examgate's server CPU per request: Express 5 parsing the same JSON body and answering a
// fixed JSON, nothing else. Started by bench/run.ts as a process of its own; prints its port.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: '16kb' }));
const answer = { result: 'checked_in', participant: { code: 'BENCH-00000', fullName: 'Bench Person', status: 'in_progress', deviceLockedAt: '2026-01-01T08:00:00.000Z' }, examSession: { name: 'Bench' } };
app.post('/api/check-in', (req, res) => {
  if (typeof (req.body as { code?: unknown }).code !== 'string') {
    res.status(400).json({ error: { code: 'invalid_input', message: 'code' } });
    return;
  }
  res.json(answer);
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on ${typeof address === 'object' && address ? address.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
