// graphql-js through `require`: the one copy Apollo's federation packages (which build the API
// schema) use. Under vitest, an ESM `import` of graphql could load a second copy, whose checks
// refuse the first's schema types ("from another module or realm"). Types may come from 'graphql'.
import { createRequire } from 'node:module';
import type * as GraphQLModule from 'graphql';

export const graphqlRuntime = createRequire(import.meta.url)('graphql') as typeof GraphQLModule;
