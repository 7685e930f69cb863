// The unit alone, on the SDK's committed manifest: what `log` mode writes, and that `off` is absent.
// The HTTP, subscription, cache and warm-up behaviour is tested end to end in test/e2e/trusted-documents.test.ts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HeaderMap } from '@apollo/server';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../common/http/http-error.ts';
import { createLogger } from '../../common/logger.ts';
import type { PersistedDocumentMode } from './settings.ts';
import { createTrustedDocuments } from './trusted-documents.ts';

const manifests = [{ client: 'web', file: resolve(import.meta.dirname, '../../sdk/persisted-operations.json') }];

function unit(mode: PersistedDocumentMode) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('gateway', 'info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const registry = new Registry();
  const trusted = createTrustedDocuments({ settings: { mode, manifests, cacheMaxAgeSeconds: 60 }, log, registry });
  const post = (body: unknown, client = 'storefront') => {
    const headers = new HeaderMap();
    headers.set('apollographql-client-name', client);
    return trusted!.prepareHttpRequest({ method: 'POST', headers, search: '', body });
  };
  const warnings = () => lines.filter((line) => line['msg'] === 'operation in no manifest: it would be refused under PERSISTED_DOCUMENTS=require');
  return { trusted, post, warnings, registry };
}

describe('trusted documents, the unit', () => {
  it('is absent when off', () => {
    expect(unit('off').trusted).toBeUndefined();
  });

  it('log: lets arbitrary operations through and logs each text once, with its hash and client', () => {
    const { post, warnings } = unit('log');
    const body = { query: '{ categories { id } }', operationName: null };
    expect(post(body).body).toEqual(body);
    post(body);
    post({ query: '{ categories { name } }' }, 'ios');
    expect(warnings().map((line) => [line['client'], line['sha256']])).toEqual([
      ['storefront', expect.stringMatching(/^[0-9a-f]{64}$/)],
      ['ios', expect.stringMatching(/^[0-9a-f]{64}$/)],
    ]);
  });

  it('allow: logs nothing; require: throws the refusal as an HTTP 400 before anything parses the text', () => {
    const allowing = unit('allow');
    allowing.post({ query: '{ categories { id } }' });
    expect(allowing.warnings()).toEqual([]);
    const requiring = unit('require');
    let refusal: unknown;
    try {
      requiring.post({ query: '{ categories { id } }' });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(HttpError);
    expect(refusal).toMatchObject({ status: 400, code: 'PERSISTED_QUERY_NOT_IN_LIST' });
  });

  it('resolves a subscription by id; an unknown APQ hash alone is PERSISTED_QUERY_NOT_FOUND (no APQ store for subscriptions)', () => {
    const watch = (JSON.parse(readFileSync(manifests[0]!.file, 'utf8')) as { operations: { id: string; name: string; body: string }[] }).operations.find((entry) => entry.name === 'OrderStatusChanged')!;
    const { trusted } = unit('allow');
    const byId = trusted!.resolveOperation({ query: '', variables: { orderId: 'x' }, extensions: { persistedQuery: { version: 1, sha256Hash: watch.id } } });
    expect(byId).toEqual({ ok: true, request: { query: watch.body, operationName: 'OrderStatusChanged', variables: { orderId: 'x' } } });
    const unknown = trusted!.resolveOperation({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } });
    expect(unknown).toMatchObject({ ok: false, status: 400, code: 'PERSISTED_QUERY_NOT_FOUND' });
  });

  it('keeps client-name labels bounded: past 50 names, and for odd ones, `other`', async () => {
    const { post, registry } = unit('allow');
    for (let index = 0; index < 60; index += 1) post({ query: '{ categories { id } }' }, `client-${index}`);
    post({ query: '{ categories { id } }' }, 'not a name!');
    const metric = await registry.getSingleMetric('gateway_persisted_documents_requests_total')!.get();
    const clients = new Set(metric.values.map((value) => value.labels['client']));
    expect(clients.size).toBe(51);
    expect(metric.values.find((value) => value.labels['client'] === 'other')?.value).toBe(11);
  });
});
