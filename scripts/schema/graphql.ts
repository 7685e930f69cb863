// graphql-js as Apollo's federation packages, graphql-inspector and graphql-codegen load it: through
// `require`. Node's ESM import of 'graphql' gets the same CommonJS copy (the package has no
// "exports"), but bundlers such as vite (vitest) pick its "module" build, a second copy whose
// classes fail graphql's instanceof checks against the first ("from another module or realm").
// The schema tools import graphql from here, so one copy is used whoever runs them.
import { createRequire } from 'node:module';
import type * as GraphQLModule from 'graphql';

const graphql = createRequire(import.meta.url)('graphql') as typeof GraphQLModule;

export const { GraphQLError, Kind, Source, parse, printSchema, validate, visit } = graphql;
export type { ASTNode, DocumentNode, GraphQLSchema } from 'graphql';
export type Source = GraphQLModule.Source;
export type GraphQLError = GraphQLModule.GraphQLError;
