import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CategoriesDocument, MeDocument } from '../sdk/index.ts';
import { errorCodes, graphql } from '../test/support/graphql-client.ts';
import { logInAsAdmin, type Session } from '../test/support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../test/support/test-supergraph.ts';

let supergraph: TestSupergraph;
let gateway: string;
let admin: Session;

beforeAll(async () => {
  supergraph = await startTestSupergraph();
  gateway = supergraph.gatewayUrl;
  admin = await logInAsAdmin(gateway);
});
afterAll(() => supergraph?.stop());

const post = (body: string, contentType = 'application/json') => fetch(gateway, { method: 'POST', headers: { 'content-type': contentType }, body });

const NO_STACK = /stacktrace|\.ts:\d+|at [A-Za-z.]+ \(/;

describe('bad requests get a clear code, the right status and no stack trace', () => {
  it('a malformed query: 400 GRAPHQL_PARSE_FAILED', async () => {
    const response = await graphql(gateway, '{ products(first: 2) { edges ');
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(JSON.stringify(response)).not.toMatch(NO_STACK);
  });

  it('an unknown field: 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const response = await graphql(gateway, '{ products { totalCount secretField } }');
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(response)).not.toMatch(NO_STACK);
  });

  it('a variable of the wrong type: 400 BAD_USER_INPUT', async () => {
    const response = await graphql(gateway, 'query ($first: Int) { products(first: $first) { totalCount } }', { first: 'ten' });
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(response)).not.toMatch(NO_STACK);
  });

  it('a body that is not JSON: 400 BAD_REQUEST', async () => {
    const response = await post('{"query": "{ me { id } }"');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('a body over the size limit: 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post(JSON.stringify({ query: `{ me { id } } #${'x'.repeat(1_100_000)}` }));
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a request without a query: 400', async () => {
    const response = await post(JSON.stringify({ variables: {} }));
    expect(response.status).toBe(400);
  });

  it('an unknown path: 404 with a code', async () => {
    const response = await fetch(new URL('/nope', gateway));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('NOT_FOUND');
  });
});

describe('identity comes from the verified token only', () => {
  it('ignores identity headers a client sends', async () => {
    const response = await graphql(gateway, MeDocument, {}, { headers: { 'x-user-id': admin.userId, 'x-user-role': 'ADMIN' } });
    expect(response.data).toEqual({ me: null });
  });
});

describe('operational endpoints', () => {
  it('gives every response a request id', async () => {
    const response = await graphql(gateway, CategoriesDocument);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is live, and ready when every subgraph answers', async () => {
    const base = new URL('/', gateway);
    expect((await fetch(new URL('/health/live', base))).status).toBe(200);
    const ready = await fetch(new URL('/health/ready', base));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      checks: {
        supergraph: { status: 'ok', critical: true },
        'subgraph:accounts': { status: 'ok', critical: false },
        'subgraph:catalog': { status: 'ok' },
        'subgraph:inventory': { status: 'ok' },
        broker: { status: 'ok', critical: false },
      },
    });
  });

  it('exposes Prometheus metrics', async () => {
    await graphql(gateway, 'query CategoriesForMetrics { categories { name } }');
    const text = await (await fetch(new URL('/metrics', gateway))).text();
    expect(text).toMatch(/graphql_requests_total\{[^}]*operation="CategoriesForMetrics"[^}]*\} 1/);
  });
});
