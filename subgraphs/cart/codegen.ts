// codegen's mappers for this subgraph's resolver types (codegen.ts reads them): the model each GraphQL type resolves from.
export const mappers = {
  Cart: './prisma/client.ts#Cart',
  CartItem: '../resolvers/references.ts#PricedLine',
  User: '../resolvers/references.ts#UserReference',
  Product: '../resolvers/references.ts#ProductReference',
  Order: '../resolvers/references.ts#OrderReference',
};
