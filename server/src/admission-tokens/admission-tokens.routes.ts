import { Router } from 'express';
import { JWKS_PATH } from '../../../contracts/admission-token.ts';
import { sendJson } from '../lib/http.ts';
import { type AdmissionTokens, JWKS_MAX_AGE_S } from './admission-tokens.service.ts';

// The public keys that verify admission tokens, for exam platforms (RFC 7517 key set).
export function admissionTokenRoutes(tokens: AdmissionTokens): Router {
  const router = Router();
  router.get(JWKS_PATH, async (_req, res) => {
    res.setHeader('Cache-Control', `public, max-age=${JWKS_MAX_AGE_S}`);
    res.setHeader('Access-Control-Allow-Origin', '*');
    sendJson(res, await tokens.jwks());
  });
  return router;
}
