import { afterAll, expect } from 'vitest';
import { buildOpenApiDocument } from '../../src/openapi/openapi-document.ts';
import { observeExchanges } from './http-client.ts';
import { OpenApiChecker } from './openapi-checker.ts';

// Set up for every integration test file: each request a test makes and each answer it gets is held to the
// OpenAPI document, and the file fails naming the test and the mismatch.
const checker = new OpenApiChecker(buildOpenApiDocument('test'));
const mismatches: string[] = [];
observeExchanges((exchange) => {
  for (const problem of checker.check(exchange)) mismatches.push(`${expect.getState().currentTestName ?? '(outside a test)'}: ${problem}`);
});

afterAll(() => {
  expect(mismatches, 'requests or answers that do not match the OpenAPI document').toEqual([]);
});
