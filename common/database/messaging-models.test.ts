// The OutboxMessage and InboxMessage models are written once (prisma/messaging.prisma): every
// service's schema holds an exact copy of the ones it takes, and every service that publishes or
// consumes takes them.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { messagingModels, readMessagingModels, syncMessagingModels } from './messaging-models.ts';
import { listServices, servicePaths } from './paths.ts';

const source = await readMessagingModels();
const services = await listServices();
const schemaOf = (service: string) => readFile(servicePaths(service).schemaPath, 'utf8');

describe('the messaging models', () => {
  it('come from one source with both models', () => {
    expect([...messagingModels(source).keys()]).toEqual(['OutboxMessage', 'InboxMessage']);
  });

  it.each(services)("are copied into %s's schema exactly (npm run prisma:messaging)", async (service) => {
    const schema = await schemaOf(service);
    expect(syncMessagingModels(schema, source), `prisma/${service}/schema.prisma differs from prisma/messaging.prisma: run npm run prisma:messaging`).toBe(schema);
    // Nowhere else: a model outside the markers would be a second definition.
    const markers = schema.split(/^\/\/ ---- .*----$/m);
    for (const [index, part] of markers.entries()) if (index !== 1) expect(part).not.toMatch(/^model (OutboxMessage|InboxMessage) /m);
  });

  it('are in every service that publishes (the outbox) or consumes with an inbox', async () => {
    const taking = Object.fromEntries(
      await Promise.all(
        services.map(async (service) => [service, [...(await schemaOf(service)).matchAll(/^model (OutboxMessage|InboxMessage) /gm)].map((match) => match[1])] as const),
      ),
    );
    expect(taking).toEqual({
      accounts: [],
      cart: ['OutboxMessage', 'InboxMessage'],
      catalog: ['OutboxMessage'],
      inventory: ['OutboxMessage'],
      notifications: ['OutboxMessage', 'InboxMessage'],
      orders: ['OutboxMessage', 'InboxMessage'],
      payments: ['OutboxMessage'],
      shipping: ['OutboxMessage', 'InboxMessage'],
    });
  });

  it('rewrites a stale copy, and refuses a model the source lacks', async () => {
    const schema = await schemaOf('orders');
    const stale = schema.replace(/(model OutboxMessage \{[^}]*?)attempts[^\n]*\n/, '$1');
    expect(stale).not.toBe(schema);
    expect(syncMessagingModels(stale, source)).toBe(schema);
    expect(() => syncMessagingModels(schema.replace('InboxMessage: copied', 'DeadLetter: copied'), source, 'orders')).toThrow(/no model DeadLetter/);
  });

  it('are copied into the services that take the models only', () => {
    // The services' own models (before the begin marker) are never touched.
    expect(syncMessagingModels('model Plain {\n  id Int @id\n}\n', source)).toBe('model Plain {\n  id Int @id\n}\n');
  });
});
