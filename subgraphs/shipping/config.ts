import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export type ShippingConfig = SubgraphConfig;

export const loadShippingConfig = (env: Record<string, string | undefined> = process.env): ShippingConfig => loadSubgraphConfig('shipping', env);
