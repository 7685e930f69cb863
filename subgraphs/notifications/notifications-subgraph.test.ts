import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationAdded, OrderCancelled, OrderConfirmed, OrderDelivered, OrderShipped } from '../../common/contracts/messages/index.ts';
import { envelopeOf } from '../../common/messaging/catalogue.ts';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import { createLogger } from '../../common/logger.ts';
import type { Envelope } from '../../common/messaging/envelope.ts';
import { bindingsOf, dispatcher } from '../../common/messaging/consumer.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import type { Consumer, MessageBus } from '../../common/messaging/message-bus.ts';
import { createOutbox } from '../../common/messaging/outbox-publisher.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createModuleServer } from '../../common/service/start-subgraph.ts';
import type { SubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { Viewer } from '../../common/viewer.ts';
import { errorCodes, graphql, type GraphQLResponse } from '../../test/support/graphql-client.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { loadNotificationsConfig } from './config.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { ORDER_EVENTS_QUEUE, orderEvents } from './handlers/order-events.ts';
import { openNotificationsTestDatabase, type NotificationsTestDatabase } from './notifications-test-database.ts';
import { notifications } from './service.ts';
import { orderReference } from './domain/texts.ts';

// The notifications subgraph alone, against a database of its own (real PostgreSQL; in-memory PGlite
// when TEST_DATABASE=embedded): order events go in through the in-process bus, User's fields are read
// through `_entities` and markNotificationRead is called over HTTP with a gateway credential, as the
// gateway does.

const log = createLogger('notifications', (process.env['TEST_LOG_LEVEL'] as 'silent' | undefined) ?? 'silent');
const config = loadNotificationsConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' });
const metrics = createMetrics('notifications');

let database: NotificationsTestDatabase;
let prisma: PrismaClient;
let bus: MessageBus;
let consumer: Consumer;
let server: SubgraphServer;
let url: string;

/** Ids of the events the consumer has finished with, one entry per delivery. */
const handled: string[] = [];

const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };

beforeAll(async () => {
  database = await openNotificationsTestDatabase({ onQuery: () => metrics.sqlStatements.inc() });
  prisma = database.prisma;
  bus = createInProcessBus({ log });
  const events = orderEvents({ prisma, log, outbox: createOutbox(() => {}) });
  const handle = dispatcher(events, log);
  consumer = await bus.consume(events.queue, bindingsOf(events), async (message) => {
    await handle(message);
    handled.push(message.id);
  });
  const health = [{ name: 'database', check: async () => void (await prisma.$queryRawUnsafe('SELECT 1')) }];
  server = await createModuleServer(notifications, { config, prisma, log, metrics, health, bus, outbox: createOutbox(() => {}) });
  url = `${await server.listen(0, '127.0.0.1')}/graphql`;
});

afterAll(async () => {
  await server?.stop();
  await consumer?.cancel();
  await bus?.close();
  await database?.close();
});

// ---- helpers ----

const events = {
  confirmed: (orderId: string, customerId: string) => envelopeOf(OrderConfirmed, { orderId, customerId }),
  cancelled: (orderId: string, customerId: string, reason = 'OUT_OF_STOCK') => envelopeOf(OrderCancelled, { orderId, customerId, reason }),
  shipped: (orderId: string, customerId: string) =>
    envelopeOf(OrderShipped, {
      orderId,
      customerId,
      shipmentId: randomUUID(),
      carrier: 'UPS',
      trackingNumber: 'UPS-7K3M9Q2XWB4T',
      at: new Date().toISOString(),
    }),
  delivered: (orderId: string, customerId: string) => envelopeOf(OrderDelivered, { orderId, customerId, shipmentId: randomUUID(), at: new Date().toISOString() }),
};

/** Publishes the events and waits until the consumer has handled this delivery of each. */
async function deliver(...messages: Envelope[]): Promise<void> {
  const before = new Map(messages.map((message) => [message.id, handled.filter((id) => id === message.id).length]));
  for (const message of messages) await bus.publish(message);
  await waitFor(
    async () => messages.filter((message) => handled.filter((id) => id === message.id).length > (before.get(message.id) ?? 0)).length,
    (count) => count === messages.length,
    { what: 'the deliveries' },
  );
}

async function call<TData>(query: string, variables: Record<string, unknown>, viewer: Viewer | null): Promise<GraphQLResponse<TData>> {
  const token = await signGatewayCredential('notifications', config.gatewaySecret, { viewer, requestId: randomUUID() });
  return graphql<TData>(url, query, variables, { headers: { [GATEWAY_CREDENTIAL_HEADER]: token } });
}

interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  orderId: string | null;
  order: { id: string } | null;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}
interface Page {
  edges: { cursor: string; node: NotificationView }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}
interface UserView {
  id: string;
  notifications?: Page | null;
  unreadNotificationCount?: number | null;
}

const NOTIFICATION_FIELDS = 'id kind title body orderId order { id } read readAt createdAt';
const USER_NOTIFICATIONS = `
  query Notifications($representations: [_Any!]!, $first: Int, $after: String, $unreadOnly: Boolean) {
    _entities(representations: $representations) {
      ... on User {
        id
        notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
          edges { cursor node { ${NOTIFICATION_FIELDS} } }
          pageInfo { hasNextPage endCursor }
          totalCount
        }
      }
    }
  }
`;
const UNREAD_COUNTS = `query Unread($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id unreadNotificationCount } } }`;
const MARK_READ = `mutation Read($id: ID!) { markNotificationRead(id: $id) { ${NOTIFICATION_FIELDS} } }`;

const asUser = (id: string): Viewer => ({ id, role: 'CUSTOMER' });
const representations = (userIds: string[]) => userIds.map((id) => ({ __typename: 'User', id }));

async function notificationsOf(userId: string, viewer: Viewer | null = asUser(userId), args: { first?: number; after?: string; unreadOnly?: boolean } = {}) {
  return call<{ _entities: UserView[] }>(USER_NOTIFICATIONS, { representations: representations([userId]), ...args }, viewer);
}
const unreadCounts = (userIds: string[], viewer: Viewer | null) => call<{ _entities: UserView[] }>(UNREAD_COUNTS, { representations: representations(userIds) }, viewer);
const markRead = (id: string, viewer: Viewer | null) => call<{ markNotificationRead: NotificationView }>(MARK_READ, { id }, viewer);

async function sqlDuring(run: () => Promise<void>): Promise<number> {
  const before = (await metrics.sqlStatements.get()).values[0]?.value ?? 0;
  await run();
  return ((await metrics.sqlStatements.get()).values[0]?.value ?? 0) - before;
}

/** A customer told of four events: order A confirmed, shipped, delivered; order B cancelled. */
async function customerWithHistory() {
  const customerId = randomUUID();
  const [orderA, orderB] = [randomUUID(), randomUUID()];
  const happened = Date.now() - 60_000;
  const sent = [events.confirmed(orderA, customerId), events.shipped(orderA, customerId), events.delivered(orderA, customerId), events.cancelled(orderB, customerId)].map(
    (event, i) => ({ ...event, occurredAt: new Date(happened + i * 1000).toISOString() }), // a second apart, in this order
  );
  await deliver(...sent);
  return { customerId, orderA, orderB, sent };
}

// ---- tests ----

describe('order events', () => {
  it('makes exactly one notification for the customer of each of the four events', async () => {
    const { customerId, orderA, orderB, sent } = await customerWithHistory();
    const rows = await prisma.notification.findMany({ where: { userId: customerId }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((row) => [row.kind, row.orderId, row.sourceMessageId, row.readAt])).toEqual([
      ['ORDER_CONFIRMED', orderA, sent[0]?.id, null],
      ['ORDER_SHIPPED', orderA, sent[1]?.id, null],
      ['ORDER_DELIVERED', orderA, sent[2]?.id, null],
      ['ORDER_CANCELLED', orderB, sent[3]?.id, null],
    ]);
    expect(rows.map((row) => row.createdAt.toISOString())).toEqual(sent.map((event) => event.occurredAt));
    const a = orderReference(orderA);
    expect(rows.map((row) => row.title)).toEqual([`Order ${a} confirmed`, `Order ${a} shipped`, `Order ${a} delivered`, `Order ${orderReference(orderB)} cancelled`]);
    expect(rows[1]?.body).toContain('with UPS, tracking number UPS-7K3M9Q2XWB4T');
    expect(rows[3]?.body).toContain('because an item in it is out of stock');
  });

  it('makes none for a duplicate: the same message redelivered, or the same event under a new message id', async () => {
    const { customerId, orderA, orderB, sent } = await customerWithHistory();
    await deliver(...sent);
    await deliver(events.confirmed(orderA, customerId), events.cancelled(orderB, customerId));
    expect(await prisma.notification.count({ where: { userId: customerId } })).toBe(4);
    expect(await prisma.inboxMessage.count({ where: { consumer: ORDER_EVENTS_QUEUE, messageId: { in: sent.map((event) => event.id) } } })).toBe(4);
  });

  it('publishes one NotificationAdded per notification (outbox, same transaction), none for a duplicate', async () => {
    const { customerId, sent } = await customerWithHistory();
    await deliver(...sent);
    const rows = await prisma.notification.findMany({ where: { userId: customerId }, orderBy: { createdAt: 'asc' } });
    const outbox = await prisma.outboxMessage.findMany({ where: { routingKey: NotificationAdded.route } });
    const added = outbox.map((row) => NotificationAdded.schema.parse(row.payload)).filter((event) => event.userId === customerId);
    expect(added.map((event) => [event.notificationId, event.kind]).sort()).toEqual(rows.map((row) => [row.id, row.kind]).sort());
  });
});

describe('Query.notification', () => {
  const read = (id: string, viewer: Viewer | null) =>
    call<{ notification: { id: string; kind: string } | null }>('query ($id: ID!) { notification(id: $id) { id kind } }', { id }, viewer);

  it("is its user's and the admins'; anyone else's or a missing one is NOT_FOUND", async () => {
    const { customerId } = await customerWithHistory();
    const target = await prisma.notification.findFirstOrThrow({ where: { userId: customerId } });
    for (const viewer of [asUser(customerId), admin]) expect((await read(target.id, viewer)).data?.notification).toEqual({ id: target.id, kind: target.kind });
    expect(errorCodes(await read(target.id, asUser(randomUUID())))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await read(randomUUID(), asUser(customerId)))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await read(target.id, null))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('User.notifications', () => {
  it('lists them newest first, in pages, with two SQL statements per page', async () => {
    const { customerId } = await customerWithHistory();
    const pages: Page[] = [];
    let after: string | undefined;
    const statements = await sqlDuring(async () => {
      do {
        const response = await notificationsOf(customerId, asUser(customerId), { first: 3, ...(after ? { after } : {}) });
        expect(response.errors).toBeUndefined();
        const page = response.data!._entities[0]!.notifications!;
        pages.push(page);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor! : undefined;
      } while (after);
    });
    expect(pages.map((page) => page.edges.length)).toEqual([3, 1]);
    expect(pages.map((page) => page.totalCount)).toEqual([4, 4]);
    const nodes = pages.flatMap((page) => page.edges.map((edge) => edge.node));
    expect(nodes.map((node) => node.kind)).toEqual(['ORDER_CANCELLED', 'ORDER_DELIVERED', 'ORDER_SHIPPED', 'ORDER_CONFIRMED']);
    expect(nodes[0]).toMatchObject({ read: false, readAt: null, order: { id: nodes[0]?.orderId } });
    expect(statements).toBe(4);
  });

  it('lists only unread ones with unreadOnly, and a page continues after a notification read meanwhile', async () => {
    const { customerId } = await customerWithHistory();
    const first = (await notificationsOf(customerId, asUser(customerId), { first: 2, unreadOnly: true })).data!._entities[0]!.notifications!;
    expect(first.edges.map((edge) => edge.node.kind)).toEqual(['ORDER_CANCELLED', 'ORDER_DELIVERED']);
    expect((await markRead(first.edges[1]!.node.id, asUser(customerId))).errors).toBeUndefined();

    const next = (await notificationsOf(customerId, asUser(customerId), { first: 2, unreadOnly: true, after: first.pageInfo.endCursor! })).data!._entities[0]!.notifications!;
    expect(next.edges.map((edge) => edge.node.kind)).toEqual(['ORDER_SHIPPED', 'ORDER_CONFIRMED']);
    expect(next.totalCount).toBe(3);
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses a page beyond 50 and a bad cursor with BAD_USER_INPUT', async () => {
    const customerId = randomUUID();
    for (const first of [0, 51]) {
      const response = await notificationsOf(customerId, asUser(customerId), { first });
      expect(response.data?._entities).toEqual([{ id: customerId, notifications: null }]);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    }
    expect((await notificationsOf(customerId, asUser(customerId), { first: 50 })).errors).toBeUndefined();
    expect(errorCodes(await notificationsOf(customerId, asUser(customerId), { after: 'bm90LWEtY3Vyc29y' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('shows them to the user and admins only: anyone else gets null and FORBIDDEN', async () => {
    const { customerId } = await customerWithHistory();
    const asAdmin = await notificationsOf(customerId, admin);
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data?._entities[0]?.notifications?.totalCount).toBe(4);

    const stranger = await notificationsOf(customerId, asUser(randomUUID()));
    expect(stranger.data?._entities).toEqual([{ id: customerId, notifications: null }]);
    expect(errorCodes(stranger)).toEqual(['FORBIDDEN']);

    const anonymous = await notificationsOf(customerId, null);
    expect(anonymous.data?._entities).toEqual([{ id: customerId, notifications: null }]);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('User.unreadNotificationCount', () => {
  it('counts the unread ones, with one SQL statement for several users', async () => {
    const one = await customerWithHistory();
    const two = await customerWithHistory();
    const nobody = randomUUID();
    const readOne = await prisma.notification.findFirstOrThrow({ where: { userId: two.customerId } });
    expect((await markRead(readOne.id, asUser(two.customerId))).errors).toBeUndefined();

    let response: GraphQLResponse<{ _entities: UserView[] }> | undefined;
    const statements = await sqlDuring(async () => {
      response = await unreadCounts([one.customerId, two.customerId, nobody, 'not-a-uuid'], admin);
    });
    expect(response?.errors).toBeUndefined();
    expect(response?.data?._entities.map((user) => user.unreadNotificationCount)).toEqual([4, 3, 0, 0]);
    expect(statements).toBe(1);

    const own = await unreadCounts([one.customerId], asUser(one.customerId));
    expect(own.data?._entities).toEqual([{ id: one.customerId, unreadNotificationCount: 4 }]);
    const stranger = await unreadCounts([one.customerId], asUser(two.customerId));
    expect(stranger.data?._entities).toEqual([{ id: one.customerId, unreadNotificationCount: null }]);
    expect(errorCodes(stranger)).toEqual(['FORBIDDEN']);
  });
});

describe('markNotificationRead', () => {
  it('marks its owner’s notification read, once: again it stays as it was', async () => {
    const { customerId } = await customerWithHistory();
    const target = await prisma.notification.findFirstOrThrow({ where: { userId: customerId, kind: 'ORDER_SHIPPED' } });

    const marked = await markRead(target.id, asUser(customerId));
    expect(marked.errors).toBeUndefined();
    expect(marked.data?.markNotificationRead).toMatchObject({ id: target.id, kind: 'ORDER_SHIPPED', read: true });
    expect(marked.data?.markNotificationRead.readAt).not.toBeNull();

    const again = await markRead(target.id, asUser(customerId));
    expect(again.errors).toBeUndefined();
    expect(again.data?.markNotificationRead).toEqual(marked.data?.markNotificationRead);
    expect((await unreadCounts([customerId], asUser(customerId))).data?._entities[0]?.unreadNotificationCount).toBe(3);
  });

  it("is NOT_FOUND for someone else's notification (an admin's request included) or a missing one, and changes nothing", async () => {
    const { customerId } = await customerWithHistory();
    const target = await prisma.notification.findFirstOrThrow({ where: { userId: customerId } });
    for (const viewer of [asUser(randomUUID()), admin]) {
      const response = await markRead(target.id, viewer);
      expect(response.data).toBeNull();
      expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    }
    expect(errorCodes(await markRead(randomUUID(), asUser(customerId)))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await markRead('not-an-id', asUser(customerId)))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await markRead(target.id, null))).toEqual(['UNAUTHENTICATED']);
    expect(await prisma.notification.count({ where: { userId: customerId, readAt: { not: null } } })).toBe(0);
  });
});
