import { parseEnv, positiveInt } from '../../common/config.ts';
import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export interface CartConfig extends SubgraphConfig {
  /**
   * How long `checkout` waits for orders to place the order before answering CHECKOUT_PENDING
   * (the client asks again with the same key). Below the gateway's SUBGRAPH_TIMEOUT_MS.
   */
  readonly checkoutWaitMs: number;
}

export function loadCartConfig(env: Record<string, string | undefined> = process.env): CartConfig {
  const own = parseEnv(
    {
      CHECKOUT_WAIT_MS: positiveInt(8_000).describe(
        "how long `checkout` waits for orders to place the order before answering `CHECKOUT_PENDING`; keep it under the gateway's `SUBGRAPH_TIMEOUT_MS`",
      ),
    },
    env,
  );
  return { ...loadSubgraphConfig('cart', env), checkoutWaitMs: own.CHECKOUT_WAIT_MS };
}
