// GATEWAY_DEDUP: identical subgraph queries in flight at once share one fetch; the same query of
// another viewer, and any mutation, never does. Over mock subgraphs that answer slowly, so that
// concurrent requests overlap.
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import { createMetrics } from '../../common/metrics.ts';
import { JWT_DEFAULTS } from '../../common/auth-defaults.ts';
import { FIXTURE_SUBGRAPHS, composeFixture } from '../../test/support/federation-fixture.ts';
import { startMockSubgraphs, type MockSubgraphs } from '../../test/support/mock-subgraphs.ts';
import { loadGatewayConfig } from '../config.ts';
import { createGatewayServer, type GatewayServer } from '../server.ts';

const CONCURRENT = 12;
let mocks: MockSubgraphs;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const kid = randomUUID();
const gateways: { server: GatewayServer; url: string; dedup: boolean }[] = [];
const bus = createInProcessBus({ log: createLogger('test', 'silent') });

const tokenFor = (sub: string) =>
  new SignJWT({ role: 'CUSTOMER' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setSubject(sub)
    .setIssuer(JWT_DEFAULTS.issuer)
    .setAudience(JWT_DEFAULTS.audience)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(signingKey);

beforeAll(async () => {
  mocks = await startMockSubgraphs(FIXTURE_SUBGRAPHS);
  const supergraphSdl = composeFixture(Object.fromEntries(mocks.subgraphs.map((subgraph) => [subgraph.name, subgraph.url])));
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  signingKey = privateKey;
  const keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256' } as JWK] });
  for (const dedup of [true, false]) {
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
      GATEWAY_DEDUP: String(dedup),
      ...Object.fromEntries(mocks.subgraphs.map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, subgraph.url])),
    };
    const server = createGatewayServer({ config: loadGatewayConfig(env), supergraphSdl, log: createLogger('gateway', 'silent'), metrics: createMetrics('gateway'), keySet, bus });
    gateways.push({ server, url: `${await server.listen(0, '127.0.0.1')}/graphql`, dedup });
  }
});
afterAll(async () => {
  await Promise.all(gateways.map(({ server }) => server.stop()));
  await mocks?.stop();
  await bus.close();
});

const QUERY = 'query Dedup { me { id name } topProducts { upc name shippingEstimate } }';

async function burst(url: string, tokens: (string | undefined)[]): Promise<string[]> {
  return Promise.all(
    tokens.map(async (token) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: QUERY }),
      });
      return response.text();
    }),
  );
}

const fetchesOfRootQuery = (subgraph: string) => mocks.received.get(subgraph)!.filter((body) => body.includes('topProducts')).length;
const clearReceived = () => mocks.received.forEach((bodies) => (bodies.length = 0));

describe('in-flight deduplication of subgraph queries', () => {
  it('shares one fetch among identical queries of the same viewer, with the same answers', async () => {
    mocks.faults.delayMs = 400;
    try {
      const token = await tokenFor('user-a');
      for (const { url, dedup } of gateways) {
        clearReceived();
        const answers = await burst(
          url,
          Array.from({ length: CONCURRENT }, () => token),
        );
        expect(new Set(answers).size).toBe(1);
        expect(answers[0]).toContain('"topProducts":[');
        expect(answers[0]).not.toContain('"errors"');
        if (dedup) expect(fetchesOfRootQuery('catalog')).toBeLessThan(CONCURRENT);
        else expect(fetchesOfRootQuery('catalog')).toBe(CONCURRENT);
      }
    } finally {
      mocks.faults.delayMs = undefined;
    }
  });

  it('never shares a fetch between viewers (nor between a viewer and an anonymous caller)', async () => {
    mocks.faults.delayMs = 400;
    try {
      const viewers = [await tokenFor('user-a'), await tokenFor('user-b'), undefined];
      const dedupGateway = gateways.find(({ dedup }) => dedup)!;
      clearReceived();
      // Each viewer sends several at once: at least one fetch per viewer, never fewer.
      await burst(dedupGateway.url, [...viewers, ...viewers, ...viewers]);
      const accountsFetches = mocks.received.get('accounts')!;
      expect(accountsFetches.length).toBeGreaterThanOrEqual(viewers.length);
    } finally {
      mocks.faults.delayMs = undefined;
    }
  });
});
