import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { DEVICE_CHALLENGE_META, type DeviceChallenge } from '../../../contracts/device-proof.ts';
import { ROOM_CODES_META } from '../../../contracts/room-codes.ts';

export interface PageFacts {
  issueChallenge: () => Promise<DeviceChallenge>;
  // Whether the check-in page shows the room code field (contracts/room-codes.ts).
  roomCodesAsked: () => Promise<boolean>;
}

// The web client's one page, for every path the client routes. Each copy carries a fresh device challenge
// (contracts/device-proof.ts), so the check-in page signs its first check-in without a request of its own;
// hence no-store. The page is read once: a build does not change under a running server.
export function clientPage(clientDir: string, { issueChallenge, roomCodesAsked }: PageFacts): RequestHandler {
  const html = readFileSync(path.join(clientDir, 'index.html'), 'utf8');
  const headEnd = html.indexOf('</head>');
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // Without a challenge (the database unreachable the first time the secret is needed) the page still
    // loads, and asks for one when it needs it.
    const [handed, asked] = await Promise.all([issueChallenge().catch(() => undefined), roomCodesAsked().catch(() => false)]);
    const meta =
      (handed ? `<meta name="${DEVICE_CHALLENGE_META}" content="${handed.challenge}" data-expires-in="${handed.expiresInS}" />` : '') +
      (asked ? `<meta name="${ROOM_CODES_META}" content="required" />` : '');
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(headEnd < 0 ? html : `${html.slice(0, headEnd)}${meta}${html.slice(headEnd)}`);
  };
}
