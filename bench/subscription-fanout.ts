// Subscription fan-out on one gateway: N graphql-ws subscribers watch one order; the order goes
// PENDING -> CONFIRMED through the real saga; latency is from the status change (the event's `at`,
// the time orders committed it) to each subscriber receiving it. Loopback only, bounded in time.
//
//   npm run bench:subscriptions                 # 100, 1,000 and 5,000 subscribers
//   npm run bench:subscriptions -- 100 1000     # other sizes
//
// Two selections:
//   shared   every subscriber sends the same operation as the same customer: the gateway executes the
//            federated query once per change and sends the result to all (the usual case: one
//            customer's app, or many tabs of it).
//   distinct every subscriber's operation differs (an alias of its own): one federated execution per
//            subscriber per change, the cost of N different viewers or selections.
//
// Runs the embedded supergraph (PGlite, in-process bus) in this process, the clients too: client and
// server share the CPUs, so the numbers are an upper bound for the gateway alone.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { demoProducts } from '../prisma/seed-data.ts';
import { startLocalSupergraph } from '../scripts/local-supergraph.ts';
import { collect, wsClient, type CollectedSubscription } from '../test/support/subscriptions.ts';
import { graphql } from '../test/support/graphql-client.ts';
import { readCounter } from '../test/support/metrics.ts';
import { logInAsCustomer } from '../test/support/sessions.ts';
import { waitFor } from '../test/support/wait-for.ts';

const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
const sizes = SIZES.length > 0 ? SIZES : [100, 1_000, 5_000];
const PER_CONNECTION = 50;
const RUN_DEADLINE_MS = 120_000;
const DISTINCT_MAX = 1_000; // beyond it a distinct run takes minutes on the embedded databases

interface Row {
  readonly selection: 'shared' | 'distinct';
  readonly subscribers: number;
  readonly connections: number;
  readonly openMs: number;
  readonly received: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly spreadMs: number;
  readonly heapMb: number;
  readonly note?: string;
}

const PLACE_ORDER = /* GraphQL */ `mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }`;
const operation = (alias: string) => /* GraphQL */ `
  subscription Watch($id: ID!) { orderStatusChanged(orderId: $id) { id ${alias}: status items { quantity product { name } } payment { status } } }
`;

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const say = (line: string) => process.stdout.write(`[${elapsed()}] ${line}\n`);

const dataDir = await mkdtemp(join(os.tmpdir(), 'bench-subscriptions-'));
say('starting the embedded supergraph (PGlite, in-process bus)…');
const supergraph = await startLocalSupergraph({
  ephemeralPorts: true,
  env: {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'silent',
    DATA_DIR: dataDir,
    SUBSCRIPTIONS_MAX_CONNECTIONS: '10000',
    SUBSCRIPTIONS_MAX_PER_CONNECTION: String(PER_CONNECTION),
    SUBSCRIPTIONS_MAX_PER_USER: '100000',
    // Orders wait PENDING while subscribers connect: longer than the saga's 30 s step timeout.
    SAGA_STEP_TIMEOUT_MS: '600000',
  },
});
const gateway = supergraph.gatewayUrl;
const gatewayBase = gateway.replace(/\/graphql$/, '');
const rows: Row[] = [];

try {
  const customer = await logInAsCustomer(gateway);
  say(`supergraph up at ${gateway}`);
  for (const selection of ['shared', 'distinct'] as const) {
    for (const n of sizes) {
      if (selection === 'distinct' && n > DISTINCT_MAX) {
        rows.push({
          selection,
          subscribers: n,
          connections: 0,
          openMs: NaN,
          received: 0,
          p50: NaN,
          p99: NaN,
          max: NaN,
          spreadMs: NaN,
          heapMb: NaN,
          note: `skipped (> ${DISTINCT_MAX})`,
        });
        continue;
      }
      rows.push(await run(selection, n, customer.token));
      const row = rows.at(-1)!;
      say(`${selection} ${n}: received ${row.received}/${n}, p50 ${row.p50} ms, p99 ${row.p99} ms${row.note ? ` (${row.note})` : ''}`);
    }
  }
} finally {
  await supergraph.stop();
  await rm(dataDir, { recursive: true, force: true });
}

async function run(selection: 'shared' | 'distinct', n: number, token: string): Promise<Row> {
  // The order stays PENDING while inventory is away (its reserve command waits in the queue).
  await supergraph.stopSubgraph('inventory');
  let released = false;
  const release = async () => {
    if (!released) {
      released = true;
      await supergraph.startSubgraph('inventory');
    }
  };
  const connections = Math.ceil(n / PER_CONNECTION);
  const clients = Array.from({ length: connections }, () =>
    wsClient(gateway, token, {
      lazy: false,
      on: {
        closed: (event) => {
          const { code, reason } = event as { code?: number; reason?: string };
          if (code !== 1000) say(`a connection closed unexpectedly: ${code} ${reason}`);
        },
      },
    }),
  );
  try {
    const placed = await graphql<{ placeOrder: { id: string } }>(
      gateway,
      PLACE_ORDER,
      { input: { items: [{ productId: demoProducts[0]!.id, quantity: 1 }], paymentToken: 'tok_visa' }, key: randomUUID() },
      { token },
    );
    const id = placed.data?.placeOrder.id;
    if (!id) throw new Error(`placeOrder failed: ${JSON.stringify(placed.errors)}`);

    const opening = performance.now();
    const arrivals: number[][] = Array.from({ length: n }, () => []);
    const subscriptions: CollectedSubscription<Record<string, unknown>>[] = [];
    for (let i = 0; i < n; i += 1) {
      const subscription = collect(clients[Math.floor(i / PER_CONNECTION)]!, operation(selection === 'shared' ? 'status' : `status${i}`), { id });
      const original = subscription.results.push.bind(subscription.results);
      subscription.results.push = (...items) => {
        arrivals[i]!.push(performance.timeOrigin + performance.now());
        return original(...items);
      };
      subscriptions.push(subscription);
    }
    await Promise.all(subscriptions.map((subscription) => subscription.until((results) => results.length >= 1, RUN_DEADLINE_MS)));
    const openMs = Math.round(performance.now() - opening);
    const heapMb = Math.round(process.memoryUsage().heapUsed / 1e6);

    const delivered = await readCounter(gatewayBase, 'gateway_subscription_events_delivered_total');
    await release();
    const deadline = Date.now() + RUN_DEADLINE_MS;
    await waitFor(
      async () => subscriptions.filter((subscription) => subscription.results.length >= 2).length,
      (count) => count === n || Date.now() > deadline,
      { timeoutMs: RUN_DEADLINE_MS + 5_000, intervalMs: 20, what: 'every subscriber to receive CONFIRMED' },
    );
    const latencies: number[] = [];
    const receivedAt: number[] = [];
    subscriptions.forEach((subscription, i) => {
      const event = subscription.results[1];
      const at = Date.parse(String((event?.extensions?.['event'] as { at?: string } | undefined)?.at));
      const arrival = arrivals[i]![1];
      if (arrival === undefined || !Number.isFinite(at)) return;
      latencies.push(arrival - at);
      receivedAt.push(arrival);
    });
    latencies.sort((a, b) => a - b);
    const sentByGateway = (await readCounter(gatewayBase, 'gateway_subscription_events_delivered_total')) - delivered;
    return {
      selection,
      subscribers: n,
      connections,
      openMs,
      received: latencies.length,
      p50: Math.round(percentile(latencies, 50)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(latencies.at(-1) ?? NaN),
      spreadMs: Math.round(Math.max(...receivedAt) - Math.min(...receivedAt)),
      heapMb,
      ...(latencies.length < n ? { note: `only ${latencies.length} of ${n} within ${RUN_DEADLINE_MS / 1000} s (gateway sent ${sentByGateway})` } : {}),
    };
  } catch (error) {
    say(`run failed: ${String(error)}`);
    throw error;
  } finally {
    await Promise.all(clients.map((client) => client.dispose()));
    await release();
    await waitFor(
      async () => readCounter(gatewayBase, 'gateway_subscriptions_active'),
      (active) => active === 0,
      { what: 'the subscriptions to end', timeoutMs: 30_000 },
    );
  }
}

const machine = `${os.type()} ${os.release()} (${os.arch()}), ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
const header = '| selection | subscribers | connections | open all (ms) | received | p50 (ms) | p99 (ms) | max (ms) | first to last (ms) | heap (MB) |';
const table = [
  header,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((row) =>
    row.note?.startsWith('skipped')
      ? `| ${row.selection} | ${row.subscribers.toLocaleString('en-US')} | ${row.note} | | | | | | | |`
      : `| ${row.selection} | ${row.subscribers.toLocaleString('en-US')} | ${row.connections} | ${row.openMs} | ${row.received}${row.note ? ` (${row.note})` : ''} | ${row.p50} | ${row.p99} | ${row.max} | ${row.spreadMs} | ${row.heapMb} |`,
  ),
].join('\n');
process.stdout.write(`\n${table}\n\n${machine}\n`);

await writeFile(
  new URL('./results-subscriptions.md', import.meta.url),
  `# Subscription fan-out

\`npm run bench:subscriptions\` (bench/subscription-fanout.ts), ${new Date().toISOString().slice(0, 10)}.

One gateway, the embedded supergraph (PGlite, in-process bus) and the clients in one process on
loopback. N graphql-ws subscribers (${PER_CONNECTION} per connection) watch one order; it goes
PENDING -> CONFIRMED through the saga; latency runs from the status change (the event's \`at\`,
when orders committed it; so it includes the outbox relay and the bus) to each client receiving
the event, whose selection includes fields of three subgraphs (orders, catalog, payments).

- **shared**: all subscribers send the same operation as the same customer: one federated
  execution per change, sent to all.
- **distinct**: each subscriber's operation differs (its own alias): one federated execution per
  subscriber per change (at most SUBSCRIPTIONS_FETCH_CONCURRENCY = 32 at once), the cost of N
  different viewers or selections. Worst case: every text is new to the gateway, so each also pays
  for parsing, validation and a query plan (N viewers sending one text pay the executions only).
  Larger sizes are skipped: on the embedded databases they take minutes.

"open all" is the time for every subscriber to get its initial result; "heap" is this process's
heap (server and clients) with all subscribers open.
For shared selections most of the latency comes before the fan-out: the outbox relay in orders
(it polls every 250 ms when not kicked), the bus, and the one federated execution; "first to
last" (the spread between the first and the last subscriber) is the fan-out itself.

${table}

Machine: ${machine}.
`,
);
say('wrote bench/results-subscriptions.md');
