import type { ServiceMetrics } from '../../common/metrics.ts';
import { metricsPlugin } from '../../common/plugins/metrics-plugin.ts';
import type { GatewayFeature } from '../feature.ts';

/**
 * Every operation counted and timed by name and outcome (graphql_requests_total, graphql_request_duration_seconds).
 * The registry itself is served on /metrics by the HTTP service every service shares. Always on.
 */
export function createOperationMetrics(metrics: ServiceMetrics): GatewayFeature {
  return { name: 'operation-metrics', apolloPlugins: [metricsPlugin(metrics)] };
}
