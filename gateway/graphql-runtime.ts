// The graphql module ApolloServer, the gateway and graphql-ws use: Node resolves `graphql` to its
// CommonJS build. A loader that prefers the ESM build (vitest follows the "module" field) would give
// this code a second copy, and graphql refuses schemas and errors of another copy ("Cannot use
// GraphQLSchema from another module or realm"; graphql-ws tells errors by `instanceof`). Values come
// from here; types may still be imported from 'graphql'.
import { createRequire } from 'node:module';
import type * as CollectFieldsModule from 'graphql/execution/collectFields.js';
import type * as GraphQLModule from 'graphql';

export const graphqlRuntime = createRequire(import.meta.url)('graphql') as typeof GraphQLModule;

/**
 * The spec's CollectFields as graphql-js executes it (fragments, @skip/@include, merging by
 * response key). Internal to graphql-js 16 but exported at this path, and graphql is pinned.
 */
export const { collectFields } = createRequire(import.meta.url)('graphql/execution/collectFields') as typeof CollectFieldsModule;
