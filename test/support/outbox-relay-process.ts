// An outbox relay in a process of its own, configured as a subgraph configures it (loadSubgraphConfig:
// DATABASE_URL_ORDERS, OUTBOX_CLAIM_LEASE_MS), whose broker never confirms: each publish prints
// `publishing <id>` and then waits forever, so a test can kill the process while it holds a claim.
// Run: node --import tsx test/support/outbox-relay-process.ts
import { createPrismaClient } from '../../common/database/prisma-client.ts';
import { createLogger } from '../../common/logger.ts';
import { startOutboxRelay } from '../../common/messaging/outbox.ts';
import { loadSubgraphConfig } from '../../common/service/subgraph-config.ts';
import { PrismaClient } from '../../subgraphs/orders/generated/prisma/client.ts';

const config = loadSubgraphConfig('orders');
if (!config.databaseUrl) throw new Error('DATABASE_URL_ORDERS is required');
const prisma = createPrismaClient(PrismaClient, { connectionString: config.databaseUrl });
startOutboxRelay({
  prisma,
  log: createLogger('orders', config.logLevel),
  leaseMs: config.outboxClaimLeaseMs,
  bus: {
    publish: (envelope) => {
      process.stdout.write(`publishing ${envelope.id}\n`);
      return new Promise<void>(() => {});
    },
  },
});
// Alive as a service is (its server would hold the event loop), whatever the relay is waiting on.
setInterval(() => {}, 60_000);
