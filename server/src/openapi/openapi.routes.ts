import { Router } from 'express';
import { sendJson } from '../lib/http.ts';
import { PROJECT_VERSION } from '../lib/project-root.ts';
import { OPENAPI_PATH } from './api-operations.ts';
import { buildOpenApiDocument } from './openapi-document.ts';

// For API clients and code generators; public, like the routes' shapes it describes.
export function openApiRoutes(): Router {
  const router = Router();
  let document: unknown;
  router.get(OPENAPI_PATH, (_req, res) => {
    document ??= buildOpenApiDocument(PROJECT_VERSION);
    res.setHeader('Access-Control-Allow-Origin', '*');
    sendJson(res, document);
  });
  return router;
}
