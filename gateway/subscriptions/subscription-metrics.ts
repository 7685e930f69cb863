import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The gateway's subscription series, in its own registry (served at /metrics). */
export function createSubscriptionMetrics(registry: Registry, sources: { readonly listenerCount: () => number }) {
  return {
    connections: new Gauge({
      name: 'gateway_websocket_connections',
      help: 'Open graphql-ws WebSocket connections.',
      registers: [registry],
    }),
    subscriptions: new Gauge({
      name: 'gateway_subscriptions_active',
      help: 'Subscriptions open now (being checked or streaming).',
      registers: [registry],
    }),
    listeners: new Gauge({
      name: 'gateway_subscription_listeners',
      help: 'In-memory listeners for subscription events (one per open subscription).',
      registers: [registry],
      collect() {
        this.set(sources.listenerCount());
      },
    }),
    timers: new Gauge({
      name: 'gateway_websocket_timers',
      help: 'Keep-alive and token-expiry timers held for open connections (back to 0 when they are gone).',
      registers: [registry],
    }),
    eventsDelivered: new Counter({
      name: 'gateway_subscription_events_delivered_total',
      help: 'Events sent to subscribers (initial results not counted).',
      registers: [registry],
    }),
    deliveryLag: new Histogram({
      name: 'gateway_subscription_delivery_lag_seconds',
      help: 'From the event (its "at") to sending it to a subscriber.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    refused: new Counter({
      name: 'gateway_subscriptions_refused_total',
      help: 'Subscriptions and connections refused, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
export type SubscriptionMetrics = ReturnType<typeof createSubscriptionMetrics>;

/** Counts a result that carries a status-change event (initial results carry none) and its lag from the change. */
export function recordDelivery(metrics: Pick<SubscriptionMetrics, 'eventsDelivered' | 'deliveryLag'>, result: { readonly extensions?: unknown }): void {
  const event = (result.extensions as { event?: { at?: string } } | undefined)?.event;
  if (!event) return;
  metrics.eventsDelivered.inc();
  const at = Date.parse(event.at ?? '');
  if (Number.isFinite(at)) metrics.deliveryLag.observe(Math.max(0, Date.now() - at) / 1000);
}
