import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per service (not prom-client's global one), so several services can share a
 * process in tests and `npm start` without mixing their series.
 */
export function createMetrics(service: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    graphqlRequests: new Counter({
      name: 'graphql_requests_total',
      help: 'GraphQL operations executed, by operation name and outcome.',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    graphqlDuration: new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'GraphQL operation latency, by operation name.',
      labelNames: ['operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sqlStatements: new Counter({
      name: 'db_sql_statements_total',
      help: 'SQL statements sent to the database by Prisma, by what sent them (a client request or background work).',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
  };
}
export type ServiceMetrics = ReturnType<typeof createMetrics>;
