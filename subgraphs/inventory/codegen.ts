// codegen's mappers for this subgraph's resolver types (codegen.ts reads them): the model each GraphQL type resolves from.
export const mappers = {
  Product: '../resolvers/product-reference.ts#ProductReference',
  Inventory: './prisma/client.ts#StockItem',
  CartItem: '../resolvers/product-reference.ts#CartItemReference',
};
