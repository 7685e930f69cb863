// The contract every gateway feature is written to. A feature is one unit made by one factory
// (`createX(settings, dependencies)`), which returns `undefined` when the feature is switched off:
// then nothing of it exists (no hook, no connection, no metric, no health entry). It declares
// everything it adds to the gateway here, and owns its own start and stop. `gateway/server.ts`
// composes a list of features: hooks run in list order, `start` in list order, `drain` and `stop`
// in reverse list order. Compare Apollo Server's plugins (`serverWillStart` → `drainServer`) and
// Hive Gateway's `useX()` plugins (`onRequest`, `onContextBuilding`, `onFetch`, asyncDispose): one
// object per feature, but here the subgraph fetch is a declared pipeline, not a hook chain.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, HTTPGraphQLRequest } from '@apollo/server';
import type { GraphQLFormattedError, GraphQLSchema, ParseOptions } from 'graphql';
import type { HealthCheck } from '../common/health.ts';
import type { GatewayContext } from './context.ts';
import type { FetchLayer } from './fetch/fetch-types.ts';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

/** Wraps the handler of `/graphql` (every transport over HTTP): may answer itself, or call `next`. */
export type HttpMiddleware = (next: RequestHandler) => RequestHandler;

/** The supergraph being served: at the first load and at each reload. */
export interface ServedSchema {
  /** The API schema clients query. */
  readonly apiSchema: GraphQLSchema;
  /** The supergraph SDL it was built from. */
  readonly supergraphSdl: string;
  /** False at the first load. */
  readonly reload: boolean;
}

/** Apollo Server's `formatError`: each feature's runs on what the one before it in the list made. */
export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** The few Apollo Server options a feature may set (merged in list order). */
export interface ApolloOptions {
  /** `false`: Apollo's own APQ cache off (trusted documents under `require`). */
  readonly persistedQueries?: false;
  readonly parseOptions?: ParseOptions;
}

/** Plans and compiles an operation for the supergraph served now; false when it does not plan. */
export type PlanWarmer = (query: string, operationName: string | undefined) => boolean;

export interface GatewayFeature {
  /** For logs and for ordering errors ("feature X needs Y"). */
  readonly name: string;
  /** Wraps `/graphql`; the first feature's middleware is the outermost. */
  readonly http?: HttpMiddleware;
  /** Extra routes by path (read-only: GET and HEAD). */
  readonly routes?: Readonly<Record<string, RequestHandler>>;
  /**
   * Adds to each HTTP request's context; sees what the features before it added (the viewer, the
   * request id, the client address). May throw an HttpError to refuse the request (429, 401).
   */
  readonly context?: (req: IncomingMessage, context: Readonly<Partial<GatewayContext>>) => Promise<Partial<GatewayContext>> | Partial<GatewayContext>;
  /**
   * Sees each GraphQL request over HTTP (body read, id not yet resolved) before its context is
   * built and before Apollo parses it: may rewrite it, or refuse it by throwing an HttpError.
   */
  readonly prepareRequest?: (request: HTTPGraphQLRequest) => HTTPGraphQLRequest;
  /** Apollo Server plugins, in order. */
  readonly apolloPlugins?: readonly ApolloServerPlugin<GatewayContext>[];
  /** Apollo Server options (see ApolloOptions). */
  readonly apolloOptions?: ApolloOptions;
  /** Rewrites each error sent to a client (its code, its wording); chained in list order. */
  readonly formatError?: ErrorFormatter;
  /** A layer of the subgraph fetch: placed by its stage (gateway/fetch/fetch-types.ts), never by list order. */
  readonly fetch?: FetchLayer;
  /** Readiness entries; a function when they change with the supergraph. */
  readonly healthChecks?: readonly HealthCheck[] | (() => readonly HealthCheck[]);
  /** Each supergraph load and reload, after it is served. */
  readonly schemaChanged?: (schema: ServedSchema) => void;
  /** Plans to make ahead at each load and reload (before readiness at the first). */
  readonly warmUp?: (warm: PlanWarmer) => void;
  /** Before the HTTP server listens. */
  readonly start?: () => Promise<void>;
  /** Stop taking new work and let what is in flight finish (open streams, subscriptions): before the HTTP server closes. */
  readonly drain?: () => Promise<void>;
  /** Release what it holds (connections, timers): after the HTTP server and Apollo stopped. */
  readonly stop?: () => Promise<void>;
}

/** The features that are on, in order: factories return undefined for what is off. */
export const featuresOn = (features: readonly (GatewayFeature | undefined)[]): GatewayFeature[] => features.filter((feature): feature is GatewayFeature => feature !== undefined);
