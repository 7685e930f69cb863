// Demand control: what an operation may cost, from the supergraph's `@cost` and `@listSize`
// (common/cost/). Estimated after validation and refused before planning, so an operation over
// MAX_QUERY_COST never reaches a subgraph; measured again on the response (the actual cost), which
// is what the callers' cost budgets are charged. One gateway feature (gateway/feature.ts).
import type { ApolloServerPlugin } from '@apollo/server';
import type { Registry } from 'prom-client';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { CostEstimationError, InvalidVariablesError } from '../../common/cost/cost-model.ts';
import { createCostEstimator, type CostEstimator } from '../../common/cost/cost-estimator.ts';
import { ErrorCode, graphQLError } from '../../common/errors.ts';
import { HttpError } from '../../common/http/http-error.ts';
import type { Logger } from '../../common/logger.ts';
import type { GatewayContext } from '../context.ts';
import type { GatewayFeature } from '../feature.ts';
import { rateLimitHeaders } from '../protection/rate-limit-headers.ts';
import type { Verdict } from '../context.ts';
import { createBudgetStore, type Budget } from '../protection/rate-limiter.ts';
import { createCostMetrics } from './cost-metrics.ts';
import type { DemandControlSettings } from './settings.ts';

export interface DemandControlDependencies {
  /** The supergraph served at start (reloads arrive through `schemaChanged`). */
  readonly supergraphSdl: string;
  readonly registry: Registry;
  readonly log: Logger;
}

/** What `extensions.cost` says. */
export interface CostReport {
  readonly estimated: number;
  readonly actual?: number;
  readonly max: number;
  readonly mode: DemandControlSettings['mode'];
  /** The caller's cost budget after this operation was charged. */
  readonly budget?: { readonly limit: number; readonly remaining: number; readonly resetSeconds: number };
}

type Caller = { readonly key: string; readonly store: RateLimiterAbstract; readonly budget: Budget };

const CLIENT_NAME_HEADERS = ['apollographql-client-name', 'graphql-client-name'];

export function createDemandControl(settings: DemandControlSettings, { supergraphSdl, registry, log }: DemandControlDependencies): GatewayFeature | undefined {
  if (settings.mode === 'off') return undefined;
  const costSettings = { defaultListSize: settings.defaultListSize };
  let estimator: CostEstimator = createCostEstimator(supergraphSdl, costSettings);
  const metrics = createCostMetrics(registry);
  const budgets = settings.budget;
  const store = budgets ? createBudgetStore({ redisUrl: budgets.redisUrl, keyPrefix: `${budgets.keyPrefix}:cost` }, log) : undefined;
  const limiters = budgets && store ? { user: store.limiter('user', budgets.user), anonymous: store.limiter('ip', budgets.anonymous) } : undefined;

  /** Whose budget a request draws from: the signed-in user's, else its address's. */
  const callerOf = (context: Readonly<Partial<GatewayContext>>): Caller | undefined => {
    if (!budgets || !limiters) return undefined;
    if (context.viewer) return { key: context.viewer.id, store: limiters.user, budget: budgets.user };
    if (context.clientIp) return { key: context.clientIp, store: limiters.anonymous, budget: budgets.anonymous };
    return undefined;
  };

  const plugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart({ request, contextValue }) {
      // Only requests over HTTP: the executions subscriptions make for their events (executeOperation,
      // no HTTP request) are bounded by the subscription limits, not costed or charged.
      if (!request.http) return {};
      let estimated: number | undefined;
      const client = CLIENT_NAME_HEADERS.map((name) => request.http?.headers.get(name)).find(Boolean) ?? undefined;
      return {
        async didResolveOperation({ document, operation, operationName }) {
          // Subscriptions are bounded by their own limits (docs/subscriptions.md), not by cost.
          if (!operation || operation.operation === 'subscription') return;
          try {
            estimated = estimator.cachedEstimate(document, operation, request.variables ?? {});
          } catch (error) {
            if (error instanceof CostEstimationError) throw graphQLError(error.code, error.message, { coordinate: error.coordinate, http: { status: 400 } });
            // Execution refuses it (400 BAD_USER_INPUT) before any fetch.
            if (error instanceof InvalidVariablesError) return;
            throw error;
          }
          metrics.estimated(operationName ?? undefined, client, estimated);
          if (estimated <= settings.maxCost) return;
          metrics.overLimit(settings.mode);
          if (settings.mode === 'measure') {
            contextValue.log.warn({ operationName, estimated, max: settings.maxCost }, 'operation estimated over MAX_QUERY_COST (measure mode: run anyway)');
            return;
          }
          throw graphQLError(ErrorCode.costEstimatedTooExpensive, `The operation is estimated to cost ${estimated}, more than the limit of ${settings.maxCost}.`, {
            estimated,
            max: settings.maxCost,
            http: { status: 400 },
          });
        },
        async willSendResponse({ response, document, operation, operationName }) {
          if (estimated === undefined) return;
          let actual: number | undefined;
          // A single answer that ran: what it returned is what it cost (an incremental one is not measured).
          if (response.body.kind === 'single' && document && operation && response.body.singleResult.data !== undefined) {
            actual = estimator.actual(document, operation, request.variables ?? {}, response.body.singleResult.data);
            metrics.actual(operationName ?? undefined, client, actual);
          }
          let budget: CostReport['budget'];
          const caller = callerOf(contextValue);
          if (caller && actual !== undefined && actual > 0) {
            try {
              const charged = await caller.store.penalty(caller.key, actual);
              budget = { limit: caller.budget.points, remaining: Math.max(0, charged.remainingPoints), resetSeconds: Math.max(1, Math.ceil(charged.msBeforeNext / 1000)) };
            } catch (error) {
              contextValue.log.warn({ err: error }, 'charging the cost budget failed');
            }
          }
          // An operation that costs nothing (a `{ __typename }` probe, introspection) is not reported on.
          if (!settings.expose || (estimated === 0 && !actual)) return;
          response.http.headers.set('cost-estimated', String(estimated));
          if (actual !== undefined) response.http.headers.set('cost-actual', String(actual));
          if (response.body.kind !== 'single') return;
          const report: CostReport = { estimated, ...(actual !== undefined ? { actual } : {}), max: settings.maxCost, mode: settings.mode, ...(budget ? { budget } : {}) };
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: report };
        },
      };
    },
  };

  return {
    name: 'demand-control',
    // A caller whose cost budget is spent is refused before anything runs: 429 in cost units.
    ...(limiters
      ? {
          async context(_req, context) {
            const caller = callerOf(context);
            if (!caller) return {};
            const standing = await caller.store.get(caller.key);
            if (!standing || standing.consumedPoints < caller.budget.points) return {};
            metrics.budgetRefused();
            const verdict: Verdict = { allowed: false, limit: caller.budget.points, remaining: 0, resetSeconds: Math.max(1, Math.ceil(standing.msBeforeNext / 1000)) };
            throw new HttpError(429, ErrorCode.rateLimited, 'The cost budget of this window is spent; slow down.', rateLimitHeaders(verdict), {
              budget: 'cost',
              retryAfterSeconds: verdict.resetSeconds,
            });
          },
        }
      : {}),
    apolloPlugins: [plugin],
    healthChecks: store?.usesRedis ? [{ name: 'redis-cost-budget', check: () => store.healthCheck(), critical: false }] : [],
    schemaChanged({ supergraphSdl: sdl, apiSchema, reload }) {
      if (!reload) return;
      estimator = createCostEstimator(sdl, costSettings, apiSchema);
    },
    stop: async () => store?.close(),
  };
}
