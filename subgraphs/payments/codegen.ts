// codegen's mappers for this subgraph's resolver types (codegen.ts reads them): the model each GraphQL type resolves from.
export const mappers = {
  Order: '../resolvers/order-reference.ts#OrderReference',
  Payment: './prisma/client.ts#Payment',
};
