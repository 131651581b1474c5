import { z } from 'zod';
import { apiTokenScopes } from '../../../contracts/api-tokens.ts';
import { ErrorEnvelope } from '../../../contracts/errors.ts';
import { CSRF_HEADER, PROCTOR_SESSION_COOKIE } from '../../../contracts/proctor.ts';
import { type Access, type ApiOperation, apiOperations, type OtherContent } from './api-operations.ts';

type JsonSchema = Record<string, unknown>;

// Requests are described as the server accepts them (before zod's transforms), answers as it sends them;
// answers are closed (additionalProperties: false), so a field the server adds must be documented first.
// Addresses are described by their format alone: the patterns zod writes for them are narrower than what
// zod accepts (no IPv4-mapped IPv6 such as ::ffff:10.0.0.1, which proctors paste from logs).
const ADDRESS_FORMATS = new Set(['ipv4', 'ipv6', 'cidrv4', 'cidrv6']);

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ jsonSchema: generated }) => {
      if (typeof generated.format === 'string' && ADDRESS_FORMATS.has(generated.format)) delete generated.pattern;
    },
  }) as JsonSchema;
  return rest;
}

const isOtherContent = (answer: z.ZodType | OtherContent): answer is OtherContent => 'mediaType' in answer;

export const openApiPath = (expressPath: string) => expressPath.replace(/:([A-Za-z_]+)/g, '{$1}');

const operationId = (operation: ApiOperation) =>
  operation.method + openApiPath(operation.path).split(/[^A-Za-z0-9]+/).filter(Boolean).map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');

function security(access: Access): Record<string, string[]>[] {
  if (typeof access === 'object') return [{ apiToken: [access.token] }];
  return { public: [], 'proctor-read': [{ proctorSession: [] }], 'proctor-write': [{ proctorSession: [], csrfToken: [] }] }[access];
}

function parameters(operation: ApiOperation): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [location, shape] of [['path', operation.params], ['query', operation.query]] as const) {
    if (!shape) continue;
    const schema = jsonSchema(shape, 'input') as { properties: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties)) {
      list.push({ name, in: location, required: location === 'path' || (schema.required ?? []).includes(name), schema: property });
    }
  }
  for (const [name, header] of Object.entries(operation.headers ?? {})) list.push({ name, in: 'header', required: true, schema: jsonSchema(header, 'input') });
  return list;
}

function answers(operation: ApiOperation): Record<string, JsonSchema> {
  const documented: Record<string, JsonSchema> = {};
  for (const [status, answer] of Object.entries(operation.responses)) {
    documented[status] = isOtherContent(answer)
      ? { description: answer.description, content: { [answer.mediaType]: { schema: { type: 'string' } } } }
      : { description: `HTTP ${status}`, content: { 'application/json': { schema: jsonSchema(answer, 'output') } } };
  }
  documented.default = { $ref: '#/components/responses/Error' };
  return documented;
}

export function buildOpenApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const operation of apiOperations) {
    const item = (paths[openApiPath(operation.path)] ??= {});
    const params = parameters(operation);
    item[operation.method] = {
      operationId: operationId(operation),
      tags: [operation.tag],
      summary: operation.summary,
      security: security(operation.access),
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(operation.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(operation.body, 'input') } } } } : {}),
      responses: answers(operation),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'examgate',
      version,
      description:
        'Exam check-in with a transactional one-code-one-device lock. Every error answers with the envelope ' +
        '{ "error": { "code", "message" } }; 503 answers carry Retry-After. See docs/integration.md.',
    },
    tags: [...new Set(apiOperations.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      responses: {
        Error: {
          description: 'An error: a stable code, an English message, and for invalid_input the fields at fault',
          content: { 'application/json': { schema: jsonSchema(ErrorEnvelope, 'output') } },
        },
      },
      securitySchemes: {
        proctorSession: { type: 'apiKey', in: 'cookie', name: PROCTOR_SESSION_COOKIE, description: 'Set by POST /api/proctor/login' },
        csrfToken: { type: 'apiKey', in: 'header', name: CSRF_HEADER, description: 'The csrfToken of the proctor session, for every write' },
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          description: `An API token of the exam session (npm run cli -- token create), with the scope the operation names: ${apiTokenScopes.join(', ')}`,
        },
      },
    },
  };
}
