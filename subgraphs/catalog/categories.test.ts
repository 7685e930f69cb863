import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CategoryChanged } from '../../common/contracts/messages/index.ts';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../../common/gateway-credential.ts';
import { createLogger } from '../../common/logger.ts';
import { createInProcessBus } from '../../common/messaging/in-process-bus.ts';
import type { MessageBus } from '../../common/messaging/message-bus.ts';
import { createOutbox } from '../../common/messaging/outbox-publisher.ts';
import { createMetrics } from '../../common/metrics.ts';
import { createModuleServer } from '../../common/service/start-subgraph.ts';
import type { SubgraphServer } from '../../common/subgraph/create-subgraph-server.ts';
import type { Viewer } from '../../common/viewer.ts';
import { CreateCategoryDocument, DeleteCategoryDocument, MoveCategoryDocument, RenameCategoryDocument } from '../../sdk/index.ts';
import { errorCodes, graphql } from '../../test/support/graphql-client.ts';
import { openServiceTestDatabase, type ServiceTestDatabase } from '../../test/support/service-test-database.ts';
import { loadCatalogConfig } from './config.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { catalog } from './service.ts';

// The category admin mutations on the catalog subgraph alone, as the gateway calls it (its signed
// credential naming the caller): who may change the tree, what is refused, and that each change
// commits with its CategoryChanged outbox row (what the gateways' entity caches are dropped by).

const config = loadCatalogConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0' });
const log = createLogger('catalog', 'silent');

let database: ServiceTestDatabase<PrismaClient>;
let prisma: PrismaClient;
let bus: MessageBus;
let server: SubgraphServer;
let url: string;

const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };
const customer: Viewer = { id: randomUUID(), role: 'CUSTOMER' };

beforeAll(async () => {
  database = await openServiceTestDatabase('catalog', PrismaClient);
  prisma = database.prisma;
  bus = createInProcessBus({ log });
  const health = [{ name: 'database', check: async () => void (await prisma.$queryRawUnsafe('SELECT 1')) }];
  // No relay: the outbox rows stay where the test reads them.
  server = await createModuleServer(catalog, { config, prisma, log, metrics: createMetrics('catalog'), health, bus, outbox: createOutbox(() => {}) });
  url = `${await server.listen(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await server?.stop();
  await bus?.close();
  await database?.close();
});
beforeEach(async () => {
  await prisma.outboxMessage.deleteMany();
});

const as = async (viewer: Viewer | null) => ({
  headers: { [GATEWAY_CREDENTIAL_HEADER]: await signGatewayCredential('catalog', config.gatewaySecret, { viewer, requestId: randomUUID() }) },
});

/** The CategoryChanged payloads written to the outbox since the test began, oldest first. */
async function categoryEvents() {
  const rows = await prisma.outboxMessage.findMany({ where: { routingKey: CategoryChanged.route }, orderBy: { occurredAt: 'asc' } });
  return rows.map((row) => CategoryChanged.schema.parse(row.payload));
}

async function create(name: string, extra: { slug?: string; parentId?: string } = {}) {
  const response = await graphql(url, CreateCategoryDocument, { input: { name, ...extra } }, await as(admin));
  expect(response.errors).toBeUndefined();
  return response.data!.createCategory;
}

const unique = () => randomUUID().slice(0, 8);

describe('who may change categories', () => {
  it('refuses an anonymous caller and a customer every category mutation, and writes nothing', async () => {
    const existing = await create(`Kept ${unique()}`);
    await prisma.outboxMessage.deleteMany();
    const before = await prisma.category.findMany({ orderBy: { id: 'asc' } });
    for (const [viewer, code] of [
      [null, 'UNAUTHENTICATED'],
      [customer, 'FORBIDDEN'],
    ] as const) {
      const options = await as(viewer);
      const responses = [
        await graphql(url, CreateCategoryDocument, { input: { name: 'Sneaky' } }, options),
        await graphql(url, RenameCategoryDocument, { id: existing.id, name: 'Renamed' }, options),
        await graphql(url, MoveCategoryDocument, { id: existing.id, parentId: null }, options),
        await graphql(url, DeleteCategoryDocument, { id: existing.id }, options),
      ];
      for (const response of responses) {
        expect(errorCodes(response)).toEqual([code]);
        expect(response.data).toBeNull();
      }
    }
    expect(await prisma.category.findMany({ orderBy: { id: 'asc' } })).toEqual(before);
    expect(await categoryEvents()).toEqual([]);
  });

  it('refuses a request without the gateway credential', async () => {
    const response = await graphql(url, CreateCategoryDocument, { input: { name: 'Direct' } });
    expect(response.status).toBe(401);
    expect(await prisma.category.count({ where: { name: 'Direct' } })).toBe(0);
  });
});

describe('createCategory', () => {
  it('creates a top-level category with a slug made from its name, and publishes CREATED', async () => {
    const suffix = unique();
    const created = await create(`Café & Thé ${suffix}`);
    expect(created).toEqual({ id: expect.any(String), name: `Café & Thé ${suffix}`, slug: `cafe-the-${suffix}`, parent: null });
    expect(await categoryEvents()).toEqual([{ categoryId: created.id, change: 'CREATED', slug: created.slug, name: created.name, parentId: null }]);
  });

  it('creates a subcategory under a parent', async () => {
    const parent = await create(`Tea ${unique()}`);
    const child = await create(`Green ${unique()}`, { parentId: parent.id });
    expect(child.parent).toEqual({ id: parent.id, name: parent.name });
    expect((await categoryEvents()).at(-1)).toMatchObject({ categoryId: child.id, change: 'CREATED', parentId: parent.id });
  });

  it('refuses a taken slug, a bad name or slug, and an unknown parent, with their codes and fields, writing nothing', async () => {
    const taken = await create(`Taken ${unique()}`);
    await prisma.outboxMessage.deleteMany();
    const count = await prisma.category.count();
    const options = await as(admin);
    const attempt = (input: { name: string; slug?: string; parentId?: string }) => graphql(url, CreateCategoryDocument, { input }, options);

    const duplicate = await attempt({ name: 'Other name', slug: taken.slug });
    expect(errorCodes(duplicate)).toEqual(['CATEGORY_SLUG_TAKEN']);
    expect(duplicate.errors?.[0]?.extensions?.['field']).toBe('slug');
    const sameName = await attempt({ name: taken.name });
    expect(errorCodes(sameName)).toEqual(['CATEGORY_SLUG_TAKEN']);

    for (const [input, field] of [
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'Line\nbreak' }, 'name'],
      [{ name: 'Fine', slug: 'Not A Slug' }, 'slug'],
      [{ name: 'Fine', slug: 'a'.repeat(65) }, 'slug'],
      [{ name: '!!!' }, 'slug'],
      [{ name: 'Orphan', parentId: randomUUID() }, 'parentId'],
      [{ name: 'Orphan', parentId: 'not-an-id' }, 'parentId'],
    ] as const) {
      const response = await attempt(input);
      expect(errorCodes(response), JSON.stringify(input)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors?.[0]?.extensions?.['field']).toBe(field);
    }
    expect(await prisma.category.count()).toBe(count);
    expect(await categoryEvents()).toEqual([]);
  });
});

describe('renameCategory', () => {
  it('renames, changes the slug only when given one, and publishes RENAMED', async () => {
    const category = await create(`Before ${unique()}`);
    const options = await as(admin);
    const renamed = await graphql(url, RenameCategoryDocument, { id: category.id, name: '  After  ' }, options);
    expect(renamed.data?.renameCategory).toEqual({ id: category.id, name: 'After', slug: category.slug });
    const slug = `after-${unique()}`;
    const reslugged = await graphql(url, RenameCategoryDocument, { id: category.id, name: 'After', slug }, options);
    expect(reslugged.data?.renameCategory.slug).toBe(slug);
    expect((await categoryEvents()).slice(1)).toEqual([
      { categoryId: category.id, change: 'RENAMED', slug: category.slug, name: 'After', parentId: null },
      { categoryId: category.id, change: 'RENAMED', slug, name: 'After', parentId: null },
    ]);
  });

  it('answers NOT_FOUND for an unknown category and refuses a slug another has', async () => {
    const options = await as(admin);
    expect(errorCodes(await graphql(url, RenameCategoryDocument, { id: randomUUID(), name: 'Ghost' }, options))).toEqual(['NOT_FOUND']);
    const [first, second] = [await create(`First ${unique()}`), await create(`Second ${unique()}`)];
    const clash = await graphql(url, RenameCategoryDocument, { id: second.id, name: second.name, slug: first.slug }, options);
    expect(errorCodes(clash)).toEqual(['CATEGORY_SLUG_TAKEN']);
    expect((await prisma.category.findUniqueOrThrow({ where: { id: second.id } })).slug).toBe(second.slug);
  });
});

describe('moveCategory', () => {
  it('moves under another category and back to the top level, publishing MOVED', async () => {
    const [drinks, tea] = [await create(`Drinks ${unique()}`), await create(`Tea ${unique()}`)];
    const options = await as(admin);
    const moved = await graphql(url, MoveCategoryDocument, { id: tea.id, parentId: drinks.id }, options);
    expect(moved.data?.moveCategory.parent).toEqual({ id: drinks.id, name: drinks.name });
    const top = await graphql(url, MoveCategoryDocument, { id: tea.id, parentId: null }, options);
    expect(top.data?.moveCategory.parent).toBeNull();
    expect((await categoryEvents()).slice(2).map(({ change, parentId }) => ({ change, parentId }))).toEqual([
      { change: 'MOVED', parentId: drinks.id },
      { change: 'MOVED', parentId: null },
    ]);
  });

  it('refuses a move under itself or a descendant with CATEGORY_CYCLE, changing nothing', async () => {
    const root = await create(`Root ${unique()}`);
    const middle = await create(`Middle ${unique()}`, { parentId: root.id });
    const leaf = await create(`Leaf ${unique()}`, { parentId: middle.id });
    await prisma.outboxMessage.deleteMany();
    const options = await as(admin);
    for (const parentId of [root.id, middle.id, leaf.id]) {
      const response = await graphql(url, MoveCategoryDocument, { id: root.id, parentId }, options);
      expect(errorCodes(response)).toEqual(['CATEGORY_CYCLE']);
    }
    expect(errorCodes(await graphql(url, MoveCategoryDocument, { id: middle.id, parentId: leaf.id }, options))).toEqual(['CATEGORY_CYCLE']);
    expect((await prisma.category.findUniqueOrThrow({ where: { id: root.id } })).parentId).toBeNull();
    expect((await prisma.category.findUniqueOrThrow({ where: { id: middle.id } })).parentId).toBe(root.id);
    expect(await categoryEvents()).toEqual([]);
  });

  it('never lets two concurrent moves close a cycle between them', async () => {
    const options = await as(admin);
    for (let round = 0; round < 3; round++) {
      const [a, b] = [await create(`A ${unique()}`), await create(`B ${unique()}`)];
      const [aUnderB, bUnderA] = await Promise.all([
        graphql(url, MoveCategoryDocument, { id: a.id, parentId: b.id }, options),
        graphql(url, MoveCategoryDocument, { id: b.id, parentId: a.id }, options),
      ]);
      // Exactly one wins; the other sees the tree the winner made.
      expect([errorCodes(aUnderB), errorCodes(bUnderA)].sort()).toEqual([[], ['CATEGORY_CYCLE']]);
      const rows = await prisma.category.findMany({ where: { id: { in: [a.id, b.id] } } });
      expect(rows.filter((row) => row.parentId !== null)).toHaveLength(1);
    }
  });
});

describe('deleteCategory', () => {
  it('refuses a category holding a product or a subcategory with CATEGORY_NOT_EMPTY and the counts', async () => {
    const full = await create(`Full ${unique()}`);
    await prisma.product.create({ data: { sku: `DEL-${unique()}`, name: 'Kept', description: 'Still here.', priceAmount: 100, categoryId: full.id } });
    const parent = await create(`Parent ${unique()}`);
    await create(`Child ${unique()}`, { parentId: parent.id });
    await prisma.outboxMessage.deleteMany();
    const options = await as(admin);

    const withProduct = await graphql(url, DeleteCategoryDocument, { id: full.id }, options);
    expect(errorCodes(withProduct)).toEqual(['CATEGORY_NOT_EMPTY']);
    expect(withProduct.errors?.[0]?.extensions).toMatchObject({ products: 1, subcategories: 0 });
    const withChild = await graphql(url, DeleteCategoryDocument, { id: parent.id }, options);
    expect(errorCodes(withChild)).toEqual(['CATEGORY_NOT_EMPTY']);
    expect(withChild.errors?.[0]?.extensions).toMatchObject({ products: 0, subcategories: 1 });

    expect(await prisma.category.count({ where: { id: { in: [full.id, parent.id] } } })).toBe(2);
    expect(await categoryEvents()).toEqual([]);
  });

  it('deletes an empty category, returns it as it was and publishes DELETED; a second delete is NOT_FOUND', async () => {
    const parent = await create(`Holder ${unique()}`);
    const empty = await create(`Empty ${unique()}`, { parentId: parent.id });
    const options = await as(admin);
    const deleted = await graphql(url, DeleteCategoryDocument, { id: empty.id }, options);
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data?.deleteCategory).toEqual({ id: empty.id, slug: empty.slug, name: empty.name });
    expect(await prisma.category.findUnique({ where: { id: empty.id } })).toBeNull();
    expect((await categoryEvents()).at(-1)).toEqual({ categoryId: empty.id, change: 'DELETED', slug: empty.slug, name: empty.name, parentId: parent.id });
    expect(errorCodes(await graphql(url, DeleteCategoryDocument, { id: empty.id }, options))).toEqual(['NOT_FOUND']);
  });
});
