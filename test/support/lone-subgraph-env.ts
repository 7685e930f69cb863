/** The environment of one subgraph a test starts on its own with startSubgraph: quiet, an ephemeral loopback port, no demo data. */
export const LONE_SUBGRAPH_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  HOST: '127.0.0.1',
  PORT: '0',
  SEED_DEMO_DATA: 'false',
} as const;
