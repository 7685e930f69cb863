// One gateway of the federation benchmark, in a process of its own (so it can be pinned to a
// core and its memory measured): `tsx gateway-process.ts <variant> <supergraph file> <urls json>`.
// Prints its /graphql URL on one line once it listens; stops on SIGTERM. A fourth argument names a
// key set (JWKS URL) for the runs with a unique viewer per request (viewer-tokens.ts).
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import { startBareGateway } from '../bare-gateway.ts';
import { BENCHMARK_QUERY } from './subgraphs.ts';

export type GatewayVariant = 'bare' | 'native' | 'native-dedup' | 'native-unbatched';

const [variant, supergraphPath, urlsJson, jwksUrl] = process.argv.slice(2) as [GatewayVariant, string, string, string | undefined];
const urls = JSON.parse(urlsJson) as Record<string, string>;

let url: string;
let stop: () => Promise<unknown>;
if (variant === 'bare') {
  const bare = await startBareGateway(await readFile(supergraphPath, 'utf8'), urls);
  url = bare.url;
  stop = bare.stop;
} else {
  // Production requires trusted documents: the benchmark is a client whose manifest holds its query
  // (sent as text, identical to the manifest's body, as a client without persisted ids would).
  const manifest = join(dirname(supergraphPath), 'benchmark-manifest.json');
  const id = createHash('sha256').update(BENCHMARK_QUERY).digest('hex');
  await writeFile(
    manifest,
    JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id, name: 'TestQuery', type: 'query', body: BENCHMARK_QUERY }] }),
  );
  const config = loadGatewayConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    SUPERGRAPH_PATH: supergraphPath,
    // The benchmark's one anonymous client would spend the anonymous budget in a second.
    RATE_LIMIT_ENABLED: 'false',
    // The benchmark's query is estimated at about 24,000 (lists of 10 assumed, six deep): over the
    // default MAX_QUERY_COST. Demand control still estimates it and checks the limit, as in production.
    MAX_QUERY_COST: '1000000',
    PERSISTED_DOCUMENTS_MANIFESTS: `benchmark=${manifest}`,
    GATEWAY_DEDUP: variant === 'native-dedup' ? 'true' : 'false',
    ...(variant === 'native-unbatched' ? { GATEWAY_BATCH_FETCHES: 'false' } : {}),
    ...(jwksUrl ? { JWKS_URL: jwksUrl } : {}),
    ...Object.fromEntries(Object.entries(urls).map(([name, subgraphUrl]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, subgraphUrl])),
    ...Object.fromEntries(Object.keys(urls).map((name) => [`SUBGRAPH_SECRET_${name.toUpperCase()}`, `benchmark-secret-of-${name}`])),
  });
  const gateway = await startGateway(config);
  url = `${gateway.url}/graphql`;
  stop = gateway.stop;
}
process.stdout.write(`${url}\n`);
process.once('SIGTERM', () => {
  void stop().finally(() => process.exit(0));
});
