import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ADMISSION_TOKEN_ISSUER, ADMISSION_TOKEN_PARAM, admissionAudience, JWKS_PATH } from '../../contracts/admission-token.ts';

export interface ExamPlatform {
  // The exam of one examgate session: the continueUrl to give that session.
  examUrl(sessionId: number): string;
  close(): Promise<void>;
}

// A stand-in for the exam platform an organiser runs (Moodle, Inspera, …): its exam page admits a
// participant only with a valid admission token for that session, verified with examgate's JWKS URL alone,
// as docs/integration.md tells a platform to do.
export async function startExamPlatform(examgateUrl: string): Promise<ExamPlatform> {
  const keys = createRemoteJWKSet(new URL(`${examgateUrl}${JWKS_PATH}`));
  const page = (status: number, body: string) => ({ status, html: `<!doctype html><html lang="en"><head><title>Exam</title></head><body>${body}</body></html>` });
  const answer = async (url: URL) => {
    const token = url.searchParams.get(ADMISSION_TOKEN_PARAM);
    const session = Number(url.searchParams.get('session'));
    if (url.pathname !== '/exam' || !token) return page(403, '<h1>Not admitted</h1><p>Check in with examgate first.</p>');
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: ADMISSION_TOKEN_ISSUER, audience: admissionAudience(session) });
      return page(200, `<h1>Exam</h1><p id="admitted">Admitted: ${String(payload.sub)} on device ${String(payload.device)}</p>`);
    } catch (error) {
      return page(403, `<h1>Not admitted</h1><p>${error instanceof Error ? error.name : 'invalid token'}</p>`);
    }
  };
  const server = http.createServer((req, res) => {
    void answer(new URL(req.url ?? '/', 'http://platform')).then(({ status, html }) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    examUrl: (sessionId) => `${origin}/exam?session=${sessionId}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
