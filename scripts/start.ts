/** `npm start`: the whole supergraph on embedded defaults (or on the servers the environment names). */
import { randomBytes } from 'node:crypto';
import { exitOnConfigError, parseEnv } from '../common/config.ts';
import { createLogger, defaultLogFormat } from '../common/logger.ts';
import { stopOnSignals } from '../common/service/stop-on-signals.ts';
import { defaultHost, demoDataAllowed, type SubgraphName } from '../common/service/subgraph-config.ts';
import { loadTracingConfig } from '../common/telemetry/tracing-config.ts';
import { startTracing } from '../common/telemetry/tracing.ts';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import { demoUsers } from '../prisma/seed-data.ts';
import { createDemoOrders } from './demo-orders.ts';
import { startLocalSupergraph } from './local-supergraph.ts';
import { prepareEmbeddedInChild } from './prepare-embedded.ts';
import { npmStartSettings } from './script-variables.ts';
import { startStorefront } from '../web/server/start-storefront.ts';

const settings = await exitOnConfigError(() => {
  const parsed = parseEnv(npmStartSettings);
  return { ...parsed, seedDemoData: demoDataAllowed(parsed.NODE_ENV, parsed.SEED_DEMO_DATA), format: defaultLogFormat(parsed.NODE_ENV, parsed.LOG_FORMAT) };
});
const production = settings.NODE_ENV === 'production';
// A person watches npm start in development: the services only speak up for warnings, and the
// progress lines and the banner below are what the terminal shows. LOG_LEVEL says otherwise.
// The entity cache is on here even without Redis: one gateway, so its memory is store enough.
const serviceEnv = { ...process.env, LOG_LEVEL: settings.LOG_LEVEL ?? (production ? 'info' : 'warn'), ENTITY_CACHE_ENABLED: process.env['ENTITY_CACHE_ENABLED'] ?? 'true' };
const log = createLogger('supergraph', settings.LOG_LEVEL ?? 'info', settings.format);

// The storefront reaches the gateway from one address, loopback unless HOST names a single one, and
// the gateway trusts exactly that address (on top of TRUSTED_PROXIES, the load balancer's): it reads
// the browser's address the storefront appends to X-Forwarded-For, so each browser has its own
// rate-limit budget, while a client calling the gateway from elsewhere still cannot name one.
const listenHost = process.env['HOST'] || defaultHost(settings.NODE_ENV);
const storefrontAddress = ['0.0.0.0', '::', 'localhost'].includes(listenHost) ? '127.0.0.1' : listenHost;
const gatewayEnv = { ...serviceEnv, TRUSTED_PROXIES: [process.env['TRUSTED_PROXIES'], storefrontAddress].filter(Boolean).join(',') };
const viaStorefrontAddress = (gatewayUrl: string) => {
  const url = new URL(gatewayUrl);
  url.hostname = storefrontAddress.includes(':') ? `[${storefrontAddress}]` : storefrontAddress;
  return url.href;
};

/**
 * The gateway secret of each subgraph: configured, or outside production a fresh random one per
 * start. All services run in this process, so they share it in memory, and the development
 * secrets committed in this repository open nothing while npm start runs.
 */
const subgraphSecrets = Object.fromEntries(
  SUBGRAPH_NAMES.flatMap((name: SubgraphName) => {
    const secret = process.env[`SUBGRAPH_SECRET_${name.toUpperCase()}`] || process.env['SUBGRAPH_SECRET'] || (production ? undefined : randomBytes(32).toString('base64url'));
    return secret ? [[name, secret]] : [];
  }),
);

const say = (line: string) => process.stdout.write(`${line}\n`);
const progress = (service: string, url: string, ms: number) =>
  production ? log.info({ started: service, url, startMs: Math.round(ms) }, 'service ready') : say(`  ${service.padEnd(14)} ready on ${url} (${(ms / 1000).toFixed(1)} s)`);

if (!production) {
  const where = Object.keys(process.env).some((name) => name.startsWith('DATABASE_URL_')) ? 'PostgreSQL' : 'embedded PostgreSQL (PGlite)';
  say(`Starting the supergraph: ${SUBGRAPH_NAMES.length} subgraphs and the gateway on ${where}...`);
}
// One process, one `service.name`; each span's `commerce.service` attribute names the gateway or subgraph.
const tracing = await exitOnConfigError(() => startTracing(loadTracingConfig('commerce-supergraph')));
// A first start on embedded defaults creates, migrates and seeds the databases in a child process, so
// that this one does not keep the memory that work grew (scripts/prepare-embedded.ts). Production
// always names its databases.
if (!production) {
  const began = performance.now();
  const prepared = await exitOnConfigError(() => prepareEmbeddedInChild(serviceEnv));
  if (prepared.length > 0) say(`  ${'databases'.padEnd(14)} created for ${prepared.join(', ')} (${((performance.now() - began) / 1000).toFixed(1)} s)`);
}
const supergraph = await exitOnConfigError(() => startLocalSupergraph({ env: gatewayEnv, basePort: settings.BASE_PORT, subgraphSecrets, onServiceReady: progress }));
// The storefront moves with the block too (3000 beside the default 4000), unless STOREFRONT_PORT says otherwise.
const storefront = await exitOnConfigError(() =>
  startStorefront(viaStorefrontAddress(supergraph.gatewayUrl), { STOREFRONT_PORT: String(settings.BASE_PORT - 1000), ...serviceEnv }),
);
const signals = stopOnSignals(async () => {
  await storefront.stop();
  await supergraph.stop();
  await tracing.shutdown();
}, log);
// Under npm, a process manager may signal npm only; should npm go without passing it on, this
// process would keep the ports. It notices that its parent is gone and stops.
if (process.env['npm_lifecycle_event']) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) signals.stopNow('parent process gone');
  }, 500).unref();
}

if (settings.seedDemoData) {
  // Idempotent: fixed idempotency keys, so a second start places nothing new.
  await createDemoOrders(supergraph.gatewayUrl).then(
    () => say(`  ${'demo orders'.padEnd(14)} ready: the customer has orders delivered, shipped, confirmed and cancelled, and a cart to check out`),
    (error: unknown) => process.stderr.write(`  Demo orders could not be created: ${String(error)}\n`),
  );
}
if (production) {
  log.info({ url: supergraph.gatewayUrl, storefront: storefront.url }, 'supergraph ready');
} else {
  // Last, so that it stays visible: where to go and how to sign in.
  say(
    [
      '',
      `  Supergraph ready: ${supergraph.gatewayUrl}`,
      `Storefront: ${storefront.url}`,
      ...(settings.seedDemoData
        ? ['  Demo sign-ins (mutation logIn):', ...demoUsers.map((user) => `    ${user.role.padEnd(8)} ${user.email} / ${user.password}`)]
        : ['  No demo data (SEED_DEMO_DATA=false).']),
      '  Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
}
