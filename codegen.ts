import type { CodegenConfig } from '@graphql-codegen/cli';
import type { DocumentNode } from 'graphql';
import { persistedDocumentHash } from './scripts/schema/persisted-documents.ts';

/**
 * Resolver types for every subgraph, mapped to Prisma's model types, so resolvers are typed
 * from the schema down to the database. `npm run codegen` writes them (not committed).
 */
const subgraphs = {
  accounts: { context: 'AccountsContext', mappers: { User: './prisma/client.ts#User' } },
  catalog: {
    context: 'CatalogContext',
    mappers: { Product: './prisma/client.ts#Product', Category: './prisma/client.ts#Category' },
  },
  orders: {
    context: 'OrdersContext',
    mappers: {
      Order: './prisma/client.ts#Order',
      OrderItem: './prisma/client.ts#OrderItem',
      OrderStatusChange: './prisma/client.ts#OrderStatusChange',
      User: '../resolvers/references.ts#UserReference',
      Product: '../resolvers/references.ts#ProductReference',
    },
  },
  inventory: {
    context: 'InventoryContext',
    mappers: {
      Product: '../resolvers/product-reference.ts#ProductReference',
      Inventory: './prisma/client.ts#StockItem',
      CartItem: '../resolvers/product-reference.ts#CartItemReference',
    },
  },
  payments: {
    context: 'PaymentsContext',
    mappers: { Order: '../resolvers/order-reference.ts#OrderReference', Payment: './prisma/client.ts#Payment' },
  },
  shipping: {
    context: 'ShippingContext',
    mappers: {
      Order: '../resolvers/order-reference.ts#OrderReference',
      Shipment: './prisma/client.ts#Shipment',
      ShipmentEvent: './prisma/client.ts#ShipmentEvent',
    },
  },
  notifications: {
    context: 'NotificationsContext',
    mappers: {
      User: '../resolvers/references.ts#UserReference',
      Order: '../resolvers/references.ts#OrderReference',
      Notification: './prisma/client.ts#Notification',
    },
  },
  cart: {
    context: 'CartContext',
    mappers: {
      Cart: './prisma/client.ts#Cart',
      CartItem: '../resolvers/references.ts#PricedLine',
      User: '../resolvers/references.ts#UserReference',
      Product: '../resolvers/references.ts#ProductReference',
      Order: '../resolvers/references.ts#OrderReference',
    },
  },
} as const;

/**
 * The typed client SDK: operation types and TypedDocumentNodes for `sdk/operations/*.graphql`,
 * against the API schema `sdk/schema.graphql` (written from supergraph.graphql by `npm run codegen`).
 * Committed, unlike the resolver types: `npm run codegen` rewrites it, a test fails when it is stale.
 */
export const clientSdk = {
  'sdk/generated/graphql.ts': {
    schema: 'sdk/schema.graphql',
    documents: 'sdk/operations/**/*.graphql',
    // typescript-operations 6 writes the enums and input types operations use: no `typescript` plugin.
    plugins: ['typescript-operations', 'typed-document-node'],
    config: {
      useTypeImports: true,
      enumsAsTypes: true,
      emitLegacyCommonJSImports: false,
      scalars: { DateTime: 'string' },
      // Each document carries its persisted id (`__meta__.hash`, as client-preset's persistedDocuments
      // embeds it), which `createShopClient({ persisted: true })` sends instead of the text.
      unstable_onExecutableDocumentNode: (document: DocumentNode) => ({ hash: persistedDocumentHash(document) }),
    },
  },
} satisfies CodegenConfig['generates'];

const config: CodegenConfig = {
  overwrite: true,
  silent: true,
  generates: {
    ...clientSdk,
    ...Object.fromEntries(
      Object.entries(subgraphs).map(([name, { context, mappers }]) => [
        `subgraphs/${name}/generated/graphql.ts`,
        {
          schema: `subgraphs/${name}/schema.graphql`,
          plugins: ['typescript', 'typescript-resolvers'],
          config: {
            federation: true,
            useIndexSignature: true,
            useTypeImports: true,
            enumsAsTypes: true,
            emitLegacyCommonJSImports: false,
            contextType: `../context.ts#${context}`,
            mappers,
            mapperTypeSuffix: 'Model',
            scalars: { DateTime: { input: 'string', output: 'Date | string' } },
            avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
          },
        },
      ]),
    ),
  },
};

export default config;
