import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { trace } from '@opentelemetry/api';
import { startEmbeddedPostgres, IN_MEMORY } from '../common/database/embedded-postgres.ts';
import { applyMigrations } from '../common/database/schema-engine.ts';
import { createPrismaClient } from '../common/database/prisma-client.ts';
import { PrismaClient } from '../subgraphs/catalog/generated/prisma/client.ts';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const inst = new PrismaInstrumentation();
inst.setTracerProvider(provider);
inst.enable();
const db = await startEmbeddedPostgres({ dataDir: IN_MEMORY });
await applyMigrations({ service: 'catalog', connectionString: db.connectionString });
const prisma = createPrismaClient(PrismaClient, { connectionString: db.connectionString });
await trace.getTracer('probe').startActiveSpan('root', async (span) => {
  await prisma.product.findMany({ take: 1 });
  span.end();
});
for (const s of exporter.getFinishedSpans()) console.log(s.name, s.spanContext().traceId.slice(0, 8), s.parentSpanContext?.spanId, s.spanContext().spanId, JSON.stringify(s.attributes).slice(0, 150));
await prisma.$disconnect(); await db.close();
