// The shop's typed client SDK: `createShopClient` and one typed document per operation the
// project ships (`sdk/operations/*.graphql`), e.g. `ProductsDocument`, `PlaceOrderDocument`.
export * from './client.ts';
export * from './generated/graphql.ts';
