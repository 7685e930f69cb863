import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_ATTRIBUTE } from '../../common/telemetry/spans.ts';
import { startTracing, type Tracing } from '../../common/telemetry/tracing.ts';
import { demoProducts } from '../../prisma/seed-data.ts';
import { DashboardDocument } from '../../sdk/generated/graphql.ts';
import { subgraphModules } from '../../subgraphs/index.ts';
import { graphql } from '../support/graphql-client.ts';
import type { Session } from '../support/sessions.ts';
import { placeOrder, signUpCustomer, waitForOrderStatus } from '../support/shop-actions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { waitFor } from '../support/wait-for.ts';

// Every service of the test supergraph runs in this process, so one in-memory exporter sees the spans
// of all of them; the spans still only share a trace if the context crossed each HTTP fetch and message.

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let supergraph: TestSupergraph;
let customer: Session;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'tracing-test', otlpEndpoint: undefined, sampleRatio: 1, exporter });
  supergraph = await startTestSupergraph();
  customer = await signUpCustomer(supergraph.gatewayUrl, 'Tracy Trace');
});
afterAll(async () => {
  await supergraph?.stop();
  await tracing?.shutdown();
});

/** A W3C `traceparent` of a caller's span, so the test knows the trace id to look for. */
const callerSpan = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};
const spansOf = (traceId: string) => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
const serviceOf = (span: ReadableSpan) => span.attributes[SERVICE_ATTRIBUTE];
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** Every span below `root` in `spans`, by parent links. */
function descendantsOf(root: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
  const found: ReadableSpan[] = [];
  const ids = new Set([root.spanContext().spanId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const span of spans) {
      if (!ids.has(span.spanContext().spanId) && ids.has(parentOf(span) ?? '')) {
        ids.add(span.spanContext().spanId);
        found.push(span);
        grew = true;
      }
    }
  }
  return found;
}

describe('tracing', () => {
  it('one dashboard request is one trace: the gateway, every subgraph it fetched from, and their Prisma queries', async () => {
    const orderId = await placeOrder(supergraph.gatewayUrl, customer, [{ productId: demoProducts[30]!.id, quantity: 1 }]);
    await waitForOrderStatus(supergraph.gatewayUrl, customer, orderId, ['CONFIRMED']);
    exporter.reset();

    const caller = callerSpan();
    const response = await graphql(supergraph.gatewayUrl, DashboardDocument, {}, { token: customer.token, headers: { traceparent: caller.traceparent } });
    expect(response.errors).toBeUndefined();

    const spans = spansOf(caller.traceId);
    // Every request span exported meanwhile belongs to this trace: the context crossed every fetch.
    const serverSpans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    expect(serverSpans.map((span) => span.spanContext().traceId)).toEqual(serverSpans.map(() => caller.traceId));

    const gatewaySpan = spans.find((span) => span.kind === SpanKind.SERVER && serviceOf(span) === 'gateway');
    expect(gatewaySpan, 'the gateway request span').toBeDefined();
    expect(gatewaySpan!.attributes['http.response.status_code']).toBe(200);
    const gatewaySpans = [gatewaySpan!, ...descendantsOf(gatewaySpan!, spans)];
    const fetchSpans = gatewaySpans.filter((span) => span.name === 'gateway.fetch');
    expect(gatewaySpans.map((span) => span.name)).toEqual(expect.arrayContaining(['gateway.request', 'gateway.plan', 'gateway.execute', 'gateway.fetch']));

    // The dashboard's plan reaches all seven subgraphs; each answered inside a gateway.fetch span.
    const subgraphSpans = spans.filter((span) => span.kind === SpanKind.SERVER && serviceOf(span) !== 'gateway');
    expect(new Set(subgraphSpans.map(serviceOf))).toEqual(new Set(subgraphModules.map((module) => module.name)));
    const fetchIds = new Set(fetchSpans.map((span) => span.spanContext().spanId));
    for (const subgraphSpan of subgraphSpans) {
      expect(fetchIds.has(parentOf(subgraphSpan) ?? ''), `${String(serviceOf(subgraphSpan))} under a gateway.fetch`).toBe(true);
      const queries = descendantsOf(subgraphSpan, spans).filter((span) => span.name === 'prisma:client:operation');
      expect(queries.length, `Prisma spans in ${String(serviceOf(subgraphSpan))}`).toBeGreaterThan(0);
      expect(descendantsOf(subgraphSpan, spans).some((span) => span.name === 'prisma:client:db_query')).toBe(true);
    }
    // Nothing of the request escaped into a trace of its own, and nothing of it is missing a parent.
    const ids = new Set(spans.map((span) => span.spanContext().spanId));
    expect(spans.filter((span) => span !== gatewaySpan && !ids.has(parentOf(span) ?? ''))).toEqual([]);
    expect(parentOf(gatewaySpan!)).toBe(caller.traceparent.split('-')[2]);
  });

  it('the saga messages of an order stay in the trace of the request that placed it', async () => {
    const caller = callerSpan();
    const placed = await graphql<{ placeOrder: { id: string } }>(
      supergraph.gatewayUrl,
      `mutation ($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { id } }`,
      { input: { items: [{ productId: demoProducts[31]!.id, quantity: 1 }], paymentToken: 'tok_visa' }, key: caller.traceId },
      { token: customer.token, headers: { traceparent: caller.traceparent } },
    );
    expect(placed.errors).toBeUndefined();
    await waitForOrderStatus(supergraph.gatewayUrl, customer, placed.data!.placeOrder.id, ['CONFIRMED']);

    // Inventory reserved stock, payments authorized, orders took both replies: all in the caller's trace.
    const handled = await waitFor(
      async () => spansOf(caller.traceId).filter((span) => span.kind === SpanKind.CONSUMER),
      (consumers) =>
        ['inventory.stock-commands', 'payments.commands', 'orders.saga-replies'].every((queue) =>
          consumers.some((span) => String(span.attributes['messaging.destination.name']).endsWith(queue)),
        ),
      { what: 'consumer spans of inventory, payments and orders in the trace' },
    );
    const spans = spansOf(caller.traceId);
    for (const consumer of handled) {
      expect(consumer.parentSpanContext, `${consumer.name} has a parent`).toBeDefined();
      expect(consumer.attributes['messaging.message.id']).toEqual(expect.any(String));
    }
    const stockCommand = handled.find((span) => String(span.attributes['messaging.destination.name']).endsWith('inventory.stock-commands'))!;
    expect(descendantsOf(stockCommand, spans).some((span) => span.name === 'prisma:client:operation')).toBe(true);
  });
});
