import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export type CatalogConfig = SubgraphConfig;

export const loadCatalogConfig = (env: Record<string, string | undefined> = process.env): CatalogConfig => loadSubgraphConfig('catalog', env);
