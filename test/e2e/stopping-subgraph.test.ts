// A subgraph that stops publishes what its last transactions committed before it closes the broker:
// an outbox row written just before stop() is on the bus when stop() resolves, not left for the next
// start. Runs on both infrastructures (the service's database), with a bus that records publishes.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductUpserted } from '../../common/contracts/messages/index.ts';
import { envelopeOf } from '../../common/messaging/catalogue.ts';
import type { Envelope } from '../../common/messaging/envelope.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import { outboxRecord } from '../../common/messaging/outbox.ts';
import { LONE_SUBGRAPH_ENV } from '../support/lone-subgraph-env.ts';
import { startSubgraph } from '../../common/service/start-subgraph.ts';
import { databaseUrlVariable } from '../../common/service/subgraph-config.ts';
import { catalog } from '../../subgraphs/catalog/service.ts';
import { createTestDatabases, type TestDatabases } from '../support/test-databases.ts';
import { infrastructureMode } from '../support/test-supergraph.ts';

let databases: TestDatabases | undefined;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'stopping-subgraph-'));
  if (infrastructureMode() === 'postgres') databases = await createTestDatabases(['catalog']);
});
afterAll(async () => {
  await databases?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** A bus that only records what it is asked to publish. */
function recordingBus() {
  const published: Envelope[] = [];
  const bus: MessageBus = {
    publish: async (message) => void published.push(message),
    consume: async () => ({ cancel: async () => {} }),
    deadLetters: async () => [],
    healthCheck: async () => {},
    close: async () => {},
  };
  return { bus, published };
}

describe('a subgraph that stops', () => {
  it('publishes the outbox rows its last transactions committed before it closes', async () => {
    const { bus, published } = recordingBus();
    const config = catalog.loadConfig({
      ...LONE_SUBGRAPH_ENV,
      DATA_DIR: dataDir,
      ...(databases ? { [databaseUrlVariable('catalog')]: databases.urls.catalog } : {}),
    });
    const running = await startSubgraph(catalog, config, { bus });
    const lastWords = Array.from({ length: 5 }, (_, index) =>
      envelopeOf(ProductUpserted, { productId: randomUUID(), name: `Last ${index}`, priceAmount: 100, priceCurrency: 'EUR' }),
    );
    // Committed, and no kick(): without the flush on stop they would wait for the next start.
    await running.prisma.$transaction(lastWords.map((envelope) => running.prisma.outboxMessage.create({ data: outboxRecord(envelope) })));
    await running.stop();
    expect(published.map((message) => message.id).sort()).toEqual(lastWords.map((message) => message.id).sort());
  });
});
