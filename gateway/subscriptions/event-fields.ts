// The subscription fields the subgraphs declare with our `@event` directive (spec
// https://commerce-supergraph.dev/event/v0.1, kept in the supergraph by `@composeDirective`), read
// from the supergraph as data: the gateway knows no field, topic or entity by name. See
// docs/subscriptions.md for what each argument means.
import type { ConstDirectiveNode, DocumentNode, GraphQLSchema, ObjectTypeDefinitionNode } from 'graphql';
import { graphqlRuntime } from '../graphql-runtime.ts';

const { Kind, parse, valueFromASTUntyped } = graphqlRuntime;

export const EVENT_SPEC_URL = 'https://commerce-supergraph.dev/event/v0.1';

export interface EventField {
  /** The Subscription field's name. */
  readonly field: string;
  readonly topic: string;
  readonly entityKey: string;
  readonly query: string;
  readonly queryArg: string;
  /** Either one entity's events (`argument`: the subscription argument that names it) or the subscriber's own (`subscriber`: the payload field holding a user id). */
  readonly match: { readonly kind: 'argument'; readonly argument: string } | { readonly kind: 'subscriber'; readonly payloadField: string };
  readonly state: string | undefined;
  /** Rank of each state (alternatives share one); empty when states are not ordered. */
  readonly stateRank: ReadonlyMap<string, number>;
  readonly completeOn: ReadonlySet<string>;
  readonly eventFields: readonly string[];
}

export type EventFields = ReadonlyMap<string, EventField>;

/** The directive's name in this supergraph (an `@link` import may rename it). */
function directiveName(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const args = argumentsOf(directive);
      if (args['url'] !== EVENT_SPEC_URL) continue;
      const imports = Array.isArray(args['import']) ? (args['import'] as unknown[]) : [];
      for (const entry of imports) {
        if (entry === '@event') return 'event';
        if (entry && typeof entry === 'object' && (entry as { name?: unknown }).name === '@event') {
          const as = (entry as { as?: unknown }).as;
          return typeof as === 'string' ? as.replace(/^@/, '') : 'event';
        }
      }
      return 'event__event'; // linked without import: the namespaced name
    }
  }
  return undefined;
}

function argumentsOf(directive: ConstDirectiveNode): Record<string, unknown> {
  return Object.fromEntries((directive.arguments ?? []).map((argument) => [argument.name.value, valueFromASTUntyped(argument.value)]));
}

const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/** Every `@event` Subscription field of `supergraphSdl`; a declaration that cannot work is an error naming the field. */
export function readEventFields(supergraphSdl: string): EventFields {
  const document = parse(supergraphSdl);
  const name = directiveName(document);
  const fields = new Map<string, EventField>();
  if (!name) return fields;
  const subscriptionTypes = document.definitions.filter(
    (definition): definition is ObjectTypeDefinitionNode =>
      (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) && definition.name.value === 'Subscription',
  );
  for (const type of subscriptionTypes) {
    for (const field of type.fields ?? []) {
      const directive = field.directives?.find((candidate) => candidate.name.value === name);
      if (!directive) continue;
      const args = argumentsOf(directive);
      const at = `Subscription.${field.name.value} @${name}`;
      const text = (key: string) => {
        const value = args[key];
        if (typeof value !== 'string' || value === '') throw new Error(`${at}: "${key}" is required`);
        return value;
      };
      const optional = (key: string) => (typeof args[key] === 'string' && args[key] !== '' ? (args[key] as string) : undefined);
      const matchArgument = optional('matchArgument');
      const matchSubscriber = optional('matchSubscriber');
      if ((matchArgument === undefined) === (matchSubscriber === undefined)) throw new Error(`${at}: give exactly one of matchArgument and matchSubscriber`);
      if (matchArgument && !field.arguments?.some((argument) => argument.name.value === matchArgument)) {
        throw new Error(`${at}: matchArgument "${matchArgument}" is not an argument of the field`);
      }
      const state = optional('state');
      const stateRank = new Map<string, number>();
      stringList(args['stateOrder']).forEach((alternatives, rank) => alternatives.split('|').forEach((value) => stateRank.set(value.trim(), rank)));
      const completeOn = new Set(stringList(args['completeOn']));
      if (!state && (stateRank.size > 0 || completeOn.size > 0)) throw new Error(`${at}: stateOrder and completeOn need "state"`);
      fields.set(field.name.value, {
        field: field.name.value,
        topic: text('topic'),
        entityKey: text('entityKey'),
        query: text('query'),
        queryArg: text('queryArg'),
        match: matchArgument ? { kind: 'argument', argument: matchArgument } : { kind: 'subscriber', payloadField: matchSubscriber as string },
        state,
        stateRank,
        completeOn,
        eventFields: stringList(args['eventFields']),
      });
    }
  }
  return fields;
}

/** Problems of the declarations against the API schema (a query field or argument that does not exist). */
export function eventFieldProblems(fields: EventFields, schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  const queries = schema.getQueryType()?.getFields() ?? {};
  const subscriptions = schema.getSubscriptionType()?.getFields() ?? {};
  for (const field of fields.values()) {
    const at = `Subscription.${field.field}`;
    if (!subscriptions[field.field]) problems.push(`${at}: not in the API schema`);
    const query = queries[field.query];
    if (!query) problems.push(`${at}: Query.${field.query} does not exist`);
    else if (!query.args.some((argument) => argument.name === field.queryArg)) problems.push(`${at}: Query.${field.query} has no argument "${field.queryArg}"`);
  }
  return problems;
}

/** The topics to consume. */
export const topicsOf = (fields: EventFields): string[] => [...new Set([...fields.values()].map((field) => field.topic))].sort();
