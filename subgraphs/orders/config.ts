import { parseEnv, positiveInt } from '../../common/config.ts';
import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export interface OrdersConfig extends SubgraphConfig {
  readonly saga: {
    /** How long one saga step (reserve, charge) may take before the order is cancelled and compensated. */
    readonly stepTimeoutMs: number;
    readonly sweepIntervalMs: number;
  };
}

export function loadOrdersConfig(env: Record<string, string | undefined> = process.env): OrdersConfig {
  const own = parseEnv(
    {
      SAGA_STEP_TIMEOUT_MS: positiveInt(30_000).describe('how long a saga step (reserve, charge) may take before the order is cancelled and compensated'),
      SAGA_SWEEP_INTERVAL_MS: positiveInt(1_000).describe('how often overdue sagas are looked for'),
    },
    env,
  );
  return {
    ...loadSubgraphConfig('orders', env),
    saga: { stepTimeoutMs: own.SAGA_STEP_TIMEOUT_MS, sweepIntervalMs: own.SAGA_SWEEP_INTERVAL_MS },
  };
}
