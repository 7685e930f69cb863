import { Counter, Histogram, type Registry } from 'prom-client';

const BUCKETS = [0, 1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000, 100_000];
/** Label values a client chooses are cut, so a hostile name cannot grow a series without bound in size. */
const label = (value: string | undefined, fallback: string) => (value ? value.slice(0, 64) : fallback);

export function createCostMetrics(registry: Registry) {
  const estimated = new Histogram({
    name: 'gateway_operation_cost_estimated',
    help: 'Estimated cost of each operation (from @cost and @listSize), by operation name and client name.',
    labelNames: ['operation', 'client'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const actual = new Histogram({
    name: 'gateway_operation_cost_actual',
    help: 'Actual cost of each operation answered (list sizes as returned), by operation name and client name.',
    labelNames: ['operation', 'client'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const overLimit = new Counter({
    name: 'gateway_operation_cost_over_limit_total',
    help: 'Operations estimated over MAX_QUERY_COST, by mode (enforce: refused; measure: run anyway).',
    labelNames: ['mode'] as const,
    registers: [registry],
  });
  const budgetRefused = new Counter({
    name: 'gateway_cost_budget_refused_total',
    help: 'Requests refused with 429 because their caller spent its cost budget.',
    registers: [registry],
  });
  const byOperation = (histogram: typeof estimated) => (operation: string | undefined, client: string | undefined, cost: number) =>
    histogram.observe({ operation: label(operation, '(anonymous)'), client: label(client, 'unknown') }, cost);
  return {
    estimated: byOperation(estimated),
    actual: byOperation(actual),
    overLimit: (mode: string) => overLimit.inc({ mode }),
    budgetRefused: () => budgetRefused.inc(),
  };
}
