// Subscriptions as one gateway feature: graphql-ws on the gateway's own server and path, streams over
// HTTP POST (Apollo's multipart protocol, Server-Sent Events; content negotiation hands them over),
// the event hub that consumes the supergraph's `@event` topics, and one per-user budget for all.
// At a reload, open subscriptions the new schema still accepts stay open and the hub follows the
// declared topics; drain ends every open stream and connection; stop leaves the bus.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { SubscriptionLimits } from '../config.ts';
import type { GatewayContext } from '../context.ts';
import type { GatewayFeature } from '../feature.ts';
import type { ResolveOperation } from '../trusted-documents/trusted-documents.ts';
import type { VerifiedAccessToken } from '../auth/access-token-verifier.ts';
import { eventFieldProblems, readEventFields, topicsOf } from './event-fields.ts';
import { createEventHub, type EventHub } from './event-hub.ts';
import { createFederatedExecutor } from './federated-executor.ts';
import type { HttpStreamFraming } from './http-stream-framing.ts';
import { createHttpSubscriptions } from './http-subscriptions.ts';
import type { ServingSchema } from './operation.ts';
import { createSubscriptionMetrics } from './subscription-metrics.ts';
import { createSubscriptionSessions, type SubscriptionSessionOptions } from './subscription-session.ts';
import { createSubscriptionSlots } from './subscription-slots.ts';
import { attachSubscriptionServer, type SubscriptionServer } from './websocket-server.ts';

export interface SubscriptionSettings {
  readonly limits: SubscriptionLimits;
  /** Largest message or body a client may send (MAX_BODY_BYTES). */
  readonly maxBodyBytes: number;
}

export interface SubscriptionDependencies {
  readonly bus: MessageBus;
  readonly log: Logger;
  readonly registry: Registry;
  /** Token verification's `verify`: graphql-ws's connection_init and each stream's Authorization. */
  readonly verify: (authorization: string) => Promise<VerifiedAccessToken>;
  /** Rate limits' admission for HTTP streams (absent: rate limits are off). */
  readonly admit?: ((req: IncomingMessage, viewer: Viewer) => Promise<unknown>) | undefined;
  readonly requestId: (req: IncomingMessage) => string;
  /** Trusted documents' check (absent: they are off). */
  readonly resolveOperation?: ResolveOperation | undefined;
  /** Authorization's check at subscribe (absent: it is off). */
  readonly authorize?: SubscriptionSessionOptions['authorize'];
  /** The gateway's Apollo Server, which runs each subscriber's federated operation (made after the features). */
  readonly apollo: () => Pick<ApolloServer<GatewayContext>, 'executeOperation'>;
  /** The HTTP server graphql-ws takes upgrades on (made after the features; read at start). */
  readonly httpServer: () => Server;
}

export interface SubscriptionsFeature extends GatewayFeature {
  /** Serves a POST that asks for a stream (content negotiation's `stream`). */
  readonly stream: (req: IncomingMessage, res: ServerResponse, framing: HttpStreamFraming, body: unknown) => Promise<void>;
  /** Open WebSocket connections and subscriptions now (tests). */
  stats(): { connections: number; subscriptions: number };
  readonly hub: EventHub;
}

/** Always on. */
export function createSubscriptions({ limits, maxBodyBytes }: SubscriptionSettings, deps: SubscriptionDependencies): SubscriptionsFeature {
  const { bus, log } = deps;
  const hub = createEventHub({ bus, log });
  const metrics = createSubscriptionMetrics(deps.registry, { listenerCount: () => hub.listenerCount() });
  const executor = createFederatedExecutor({ apollo: deps.apollo, log, concurrency: limits.fetchConcurrency });
  const slots = createSubscriptionSlots(limits.maxPerUser, metrics);
  // The API schema as the gateway serves it, with the supergraph's `@event` subscription fields:
  // what subscriptions are validated against and served from (set at each load).
  let serving: ServingSchema | undefined;
  const sessions = createSubscriptionSessions({
    limits,
    verify: deps.verify,
    schema: () => serving,
    hub,
    executor,
    slots,
    metrics,
    log,
    ...(deps.authorize ? { authorize: deps.authorize } : {}),
  });
  const admit = deps.admit ?? (async () => undefined);
  const httpStreams = createHttpSubscriptions({ limits, sessions, admit, requestId: deps.requestId, log, resolveOperation: deps.resolveOperation });
  let webSocket: SubscriptionServer | undefined;

  return {
    name: 'subscriptions',
    hub,
    stream: (req, res, framing, body) => httpStreams.handle(req, res, framing, body),
    stats: () => webSocket?.stats() ?? { connections: 0, subscriptions: slots.count() },
    schemaChanged({ apiSchema, supergraphSdl, reload }) {
      const eventFields = readEventFields(supergraphSdl);
      const problems = eventFieldProblems(eventFields, apiSchema);
      if (problems.length > 0) log.error({ problems }, 'the supergraph declares subscription fields the gateway cannot serve');
      serving = { api: apiSchema, eventFields };
      if (!reload) return;
      // A reload: open subscriptions the new schema still accepts stay open; the hub follows the declared topics.
      sessions.revalidate(serving);
      void hub.consume(topicsOf(eventFields)).catch((error: unknown) => log.error({ err: error }, 'consuming the new subscription topics failed'));
    },
    async start() {
      webSocket = attachSubscriptionServer({
        httpServer: deps.httpServer(),
        path: '/graphql',
        limits,
        maxPayloadBytes: maxBodyBytes,
        sessions,
        metrics,
        slots,
        log,
        resolveOperation: deps.resolveOperation,
      });
      await hub.consume(serving ? topicsOf(serving.eventFields) : []);
    },
    async drain() {
      await Promise.all([webSocket?.close(), httpStreams.close()]);
    },
    stop: () => hub.stop(),
  };
}
