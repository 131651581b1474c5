import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import ipaddr from 'ipaddr.js';
import type { Exchange } from './http-client.ts';

type JsonSchema = Record<string, any>;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  spec: JsonSchema;
}

const SUCCESS = (status: number) => status >= 200 && status < 300;

function isCidr(text: string): boolean {
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

// Holds exchanges to an OpenAPI 3.1 document: an answer must be one the operation documents, with a body
// its schema accepts; a request that succeeded must be one the document allows (path and query parameters,
// headers, JSON body). A request the document forbids may be refused with any documented error: that is
// what the hostile-input tests send.
export class OpenApiChecker {
  readonly #operations: Operation[] = [];
  readonly #document: JsonSchema;
  // Parameters arrive as text: "5" is an integer.
  readonly #parameterAjv = new Ajv2020({ allErrors: true, coerceTypes: true, strict: false });
  readonly #bodyAjv = new Ajv2020({ allErrors: true, strict: false });
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #documented = new Set<string>();

  constructor(document: JsonSchema) {
    this.#document = document;
    for (const ajv of [this.#parameterAjv, this.#bodyAjv]) {
      addFormats.default(ajv);
      ajv.addFormat('cidrv4', (text: string) => !text.includes(':') && isCidr(text));
      ajv.addFormat('cidrv6', (text: string) => text.includes(':') && isCidr(text));
    }
    for (const [template, item] of Object.entries(document.paths as Record<string, JsonSchema>)) {
      const names: string[] = [];
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([A-Za-z_]+)\\?\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`);
      for (const [method, spec] of Object.entries(item)) this.#operations.push({ method, template, pattern, names, spec });
    }
  }

  // Operations some exchange has exercised, as "get /api/proctor/sessions/{id}".
  get exercised(): ReadonlySet<string> {
    return this.#documented;
  }

  check(exchange: Exchange): string[] {
    const url = new URL(exchange.url);
    const method = exchange.method.toLowerCase();
    const { status } = exchange.response;
    const label = `${exchange.method} ${url.pathname} → ${status}`;
    const operation = this.#operations.find((candidate) => candidate.method === method && candidate.pattern.test(url.pathname));
    if (!operation) {
      // Unknown paths are refused with the envelope (404, or 400/415 when the body is refused first); the web
      // client's pages are not the API.
      if (status >= 400) return this.#checkBody(label, exchange, this.#errorAnswer(), 'error');
      if (!url.pathname.startsWith('/api/') && !url.pathname.startsWith('/.well-known/')) return [];
      return [`${label}: no such operation in the document`];
    }
    this.#documented.add(`${method} ${operation.template}`);
    const problems: string[] = [];
    const answer = operation.spec.responses[String(status)] ?? (SUCCESS(status) ? undefined : operation.spec.responses.default);
    if (!answer) problems.push(`${label}: status ${status} is not documented for ${method} ${operation.template}`);
    else problems.push(...this.#checkBody(label, exchange, answer.$ref ? this.#errorAnswer() : answer, `${method} ${operation.template} ${status}`));
    if (SUCCESS(status)) problems.push(...this.#checkRequest(label, exchange, operation, url));
    return problems;
  }

  #errorAnswer(): JsonSchema {
    return this.#document.components.responses.Error;
  }

  #checkBody(label: string, exchange: Exchange, answer: JsonSchema, key: string): string[] {
    const content = answer.content as Record<string, { schema: JsonSchema }> | undefined;
    if (!content) return [];
    const mediaType = String(exchange.response.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (!content[mediaType]) return [`${label}: answered ${mediaType || 'no content type'}, documented ${Object.keys(content).join(' or ')}`];
    if (mediaType !== 'application/json') return [];
    if (exchange.response.json === undefined) return [`${label}: the answer is not JSON`];
    const validate = this.#validator(`answer ${key}`, content[mediaType].schema, this.#bodyAjv);
    return validate(exchange.response.json) ? [] : [`${label}: the answer does not match: ${this.#bodyAjv.errorsText(validate.errors)}`];
  }

  #checkRequest(label: string, exchange: Exchange, operation: Operation, url: URL): string[] {
    const problems: string[] = [];
    const key = `${operation.method} ${operation.template}`;
    const values: Record<string, Record<string, string>> = { path: {}, query: Object.fromEntries(url.searchParams), header: {} };
    const match = operation.pattern.exec(url.pathname)!;
    operation.names.forEach((name, index) => (values.path![name] = decodeURIComponent(match[index + 1]!)));
    for (const [name, value] of Object.entries(exchange.headers)) values.header![name.toLowerCase()] = value;
    const parameters = (operation.spec.parameters ?? []) as JsonSchema[];
    for (const location of ['path', 'query', 'header'] as const) {
      const declared = parameters.filter((parameter) => parameter.in === location);
      const given = values[location]!;
      const schema = {
        type: 'object',
        properties: Object.fromEntries(declared.map((parameter) => [parameter.name, parameter.schema])),
        required: declared.filter((parameter) => parameter.required).map((parameter) => parameter.name),
      };
      const picked = Object.fromEntries(declared.filter((parameter) => parameter.name in given).map((parameter) => [parameter.name, given[parameter.name]]));
      const validate = this.#validator(`${location} ${key}`, schema, this.#parameterAjv);
      if (!validate(picked)) problems.push(`${label}: succeeded with ${location} parameters the document forbids: ${this.#parameterAjv.errorsText(validate.errors)}`);
    }
    const bodySchema = operation.spec.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
    if (bodySchema) {
      let body: unknown;
      try {
        body = JSON.parse(String(exchange.body ?? ''));
      } catch {
        return [...problems, `${label}: succeeded without a JSON body`];
      }
      const validate = this.#validator(`request ${key}`, bodySchema, this.#bodyAjv);
      if (!validate(body)) problems.push(`${label}: succeeded with a body the document forbids: ${this.#bodyAjv.errorsText(validate.errors)}`);
    }
    return problems;
  }

  #validator(key: string, schema: JsonSchema, ajv: Ajv2020): ValidateFunction {
    let validate = this.#compiled.get(key);
    if (!validate) this.#compiled.set(key, (validate = ajv.compile(schema)));
    return validate;
  }
}
