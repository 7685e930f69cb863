import { parseEnv, positiveInt } from '../../common/config.ts';
import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export interface PaymentsConfig extends SubgraphConfig {
  /** Bound on each call to the card processor; an authorization past it fails with PROCESSOR_TIMEOUT. */
  readonly processorTimeoutMs: number;
}

export const DEFAULT_PROCESSOR_TIMEOUT_MS = 3000;

export function loadPaymentsConfig(env: Record<string, string | undefined> = process.env): PaymentsConfig {
  const own = parseEnv(
    {
      PAYMENT_PROCESSOR_TIMEOUT_MS: positiveInt(DEFAULT_PROCESSOR_TIMEOUT_MS).describe(
        'bound on each card-processor call; an authorization past it fails with `PROCESSOR_TIMEOUT`',
      ),
    },
    env,
  );
  return { ...loadSubgraphConfig('payments', env), processorTimeoutMs: own.PAYMENT_PROCESSOR_TIMEOUT_MS };
}
