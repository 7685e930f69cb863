// codegen's mappers for this subgraph's resolver types (codegen.ts reads them): the model each GraphQL type resolves from.
export const mappers = {
  Order: './prisma/client.ts#Order',
  OrderItem: './prisma/client.ts#OrderItem',
  OrderStatusChange: './prisma/client.ts#OrderStatusChange',
  User: '../resolvers/references.ts#UserReference',
  Product: '../resolvers/references.ts#ProductReference',
};
