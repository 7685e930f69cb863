import { loadSubgraphConfig, type SubgraphConfig } from '../../common/service/subgraph-config.ts';

export type NotificationsConfig = SubgraphConfig;

export const loadNotificationsConfig = (env: Record<string, string | undefined> = process.env): NotificationsConfig => loadSubgraphConfig('notifications', env);
