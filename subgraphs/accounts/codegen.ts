// codegen's mappers for this subgraph's resolver types (codegen.ts reads them): the model each GraphQL type resolves from.
export const mappers = {
  User: './prisma/client.ts#User',
};
