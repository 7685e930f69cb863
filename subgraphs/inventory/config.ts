import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export type InventoryConfig = SubgraphConfig;

export const loadInventoryConfig = (env: Record<string, string | undefined> = process.env): InventoryConfig => loadSubgraphConfig('inventory', env);
