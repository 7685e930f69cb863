/** `npm start`: the whole supergraph on embedded defaults (or on the servers the environment names). */
import { exitOnConfigError } from '../common/config.ts';
import { stopOnSignals } from '../common/service/stop-on-signals.ts';
import { loadTracingConfig } from '../common/telemetry/tracing-config.ts';
import { startTracing } from '../common/telemetry/tracing.ts';
import { demoUsers } from '../prisma/seed-data.ts';
import { createDemoOrders } from './demo-orders.ts';
import { startLocalSupergraph } from './local-supergraph.ts';
import { startStorefront } from '../web/server/start-storefront.ts';

// One process, one `service.name`; each span's `commerce.service` attribute names the gateway or subgraph.
const tracing = await exitOnConfigError(() => startTracing(loadTracingConfig('commerce-supergraph')));
const supergraph = await exitOnConfigError(() => startLocalSupergraph());
const storefront = await exitOnConfigError(() => startStorefront(supergraph.gatewayUrl));
stopOnSignals(async () => {
  await storefront.stop();
  await supergraph.stop();
  await tracing.shutdown();
});
process.stdout.write(
  [
    '',
    `  Supergraph ready: ${supergraph.gatewayUrl}`,
    `Storefront: ${storefront.url}`,
    '  Demo sign-ins (mutation logIn):',
    ...demoUsers.map((user) => `    ${user.role.padEnd(8)} ${user.email} / ${user.password}`),
    '',
  ].join('\n') + '\n',
);
if (process.env['SEED_DEMO_DATA'] !== 'false') {
  createDemoOrders(supergraph.gatewayUrl).then(
    () => process.stdout.write('  Demo orders ready: the customer has orders delivered, shipped, confirmed and cancelled.\n'),
    (error: unknown) => process.stderr.write(`  Demo orders could not be created: ${String(error)}\n`),
  );
}
