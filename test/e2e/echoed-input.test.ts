// Errors repeat at most 64 characters of a client's value (docs/protection.md, "Protection at the gateway"): every
// argument of every mutation, found by walking the schema the gateway serves, gets a 10,000-character
// string through the gateway, as a literal and as a variable, from a customer and an admin. A new
// mutation or input field is covered without touching this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logInAsAdmin, logInAsCustomer, type Session } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';

const LONG = 'x'.repeat(10_000);
const MAX_ANSWER_BYTES = 2048;

interface TypeRef {
  readonly kind: 'SCALAR' | 'OBJECT' | 'INTERFACE' | 'UNION' | 'ENUM' | 'INPUT_OBJECT' | 'LIST' | 'NON_NULL';
  readonly name: string | null;
  readonly ofType: TypeRef | null;
}
interface InputValue {
  readonly name: string;
  readonly type: TypeRef;
}
interface FullType {
  readonly kind: TypeRef['kind'];
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly args: readonly InputValue[]; readonly type: TypeRef }[] | null;
  readonly inputFields: readonly InputValue[] | null;
  readonly enumValues: readonly { readonly name: string }[] | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const INTROSPECTION = `{ __schema { mutationType { name } types { kind name
  fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } }
  inputFields { name type { ${TYPE_REF} } } enumValues { name } } } }`;

let supergraph: TestSupergraph;
let types: Map<string, FullType>;
let mutationType: FullType;
let sessions: Record<'customer' | 'admin', Session>;

beforeAll(async () => {
  // Sign-up and log-in attempts are budgeted per address; this file makes more than the default allows.
  supergraph = await startTestSupergraph({ env: { AUTH_RATE_LIMIT_POINTS: '100000' } });
  const response = await fetch(supergraph.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: INTROSPECTION }) });
  const schema = ((await response.json()) as { data: { __schema: { mutationType: { name: string }; types: FullType[] } } }).data.__schema;
  types = new Map(schema.types.map((type) => [type.name, type]));
  mutationType = types.get(schema.mutationType.name)!;
  sessions = { customer: await logInAsCustomer(supergraph.gatewayUrl), admin: await logInAsAdmin(supergraph.gatewayUrl) };
});
afterAll(() => supergraph?.stop());

const named = (type: TypeRef): TypeRef => (type.ofType ? named(type.ofType) : type);
const printType = (type: TypeRef): string => (type.kind === 'NON_NULL' ? `${printType(type.ofType!)}!` : type.kind === 'LIST' ? `[${printType(type.ofType!)}]` : type.name!);

/** Where a value sits inside an argument: input field names and list elements (`[]`). */
type Position = readonly string[];

/** Every place a string could be put in a value of this type (the type itself, each list element, each input field). */
function positions(type: TypeRef, seen: ReadonlySet<string> = new Set()): Position[] {
  if (type.kind === 'NON_NULL') return positions(type.ofType!, seen);
  if (type.kind === 'LIST') return [[], ...positions(type.ofType!, seen).map((inner) => ['[]', ...inner])];
  if (type.kind !== 'INPUT_OBJECT' || seen.has(type.name!)) return [[]];
  const inner = new Set([...seen, type.name!]);
  return [[], ...types.get(type.name!)!.inputFields!.flatMap((field) => positions(field.type, inner).map((rest) => [field.name, ...rest]))];
}

/** A plausible value of the type: required input fields filled, optional ones left out. */
function plain(type: TypeRef): unknown {
  if (type.kind === 'NON_NULL') return plain(type.ofType!);
  if (type.kind === 'LIST') return [plain(type.ofType!)];
  const full = types.get(type.name!)!;
  if (full.kind === 'ENUM') return full.enumValues![0]!.name;
  if (full.kind === 'INPUT_OBJECT') return Object.fromEntries(full.inputFields!.filter((field) => field.type.kind === 'NON_NULL').map((field) => [field.name, plain(field.type)]));
  return { Int: 1, Float: 1, Boolean: true, DateTime: '2026-01-01T00:00:00Z' }[full.name] ?? '1';
}

/** The value of the type with the long string at `position`, everything else plain. */
function withLong(type: TypeRef, position: Position): unknown {
  if (position.length === 0) return LONG;
  if (type.kind === 'NON_NULL') return withLong(type.ofType!, position);
  const [step, ...rest] = position;
  if (type.kind === 'LIST') return [withLong(type.ofType!, rest)];
  const field = types.get(type.name!)!.inputFields!.find((candidate) => candidate.name === step)!;
  return { ...(plain(type) as Record<string, unknown>), [step!]: withLong(field.type, rest) };
}

/** A value as a GraphQL literal: enum values bare, strings quoted (the long one included). */
function literal(type: TypeRef, value: unknown): string {
  if (type.kind === 'NON_NULL') return literal(type.ofType!, value);
  if (value === LONG) return JSON.stringify(value);
  if (type.kind === 'LIST') return `[${(value as unknown[]).map((element) => literal(type.ofType!, element)).join(', ')}]`;
  const full = types.get(type.name!)!;
  if (full.kind === 'ENUM') return String(value);
  if (full.kind === 'INPUT_OBJECT') {
    const fields = Object.entries(value as Record<string, unknown>).map(
      ([name, inner]) => `${name}: ${literal(full.inputFields!.find((field) => field.name === name)!.type, inner)}`,
    );
    return `{ ${fields.join(', ')} }`;
  }
  return JSON.stringify(value);
}

interface Case {
  readonly label: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

/** For each mutation, argument and position in it: the long string as a literal and as a variable. */
function cases(): Case[] {
  const all: Case[] = [];
  for (const field of mutationType.fields!) {
    const selection = ['OBJECT', 'INTERFACE', 'UNION'].includes(named(field.type).kind) ? ' { __typename }' : '';
    for (const target of field.args) {
      for (const position of positions(target.type)) {
        const args = field.args.filter((arg) => arg === target || arg.type.kind === 'NON_NULL');
        const valueOf = (arg: InputValue) => (arg === target ? withLong(arg.type, position) : plain(arg.type));
        const label = `${field.name}(${[target.name, ...position].join('.')})`;
        const inline = args.map((arg) => `${arg.name}: ${literal(arg.type, valueOf(arg))}`).join(', ');
        all.push({ label: `${label} as a literal`, query: `mutation { ${field.name}(${inline})${selection} }`, variables: {} });
        const declared = args.map((arg) => `$${arg.name}: ${printType(arg.type)}`).join(', ');
        const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
        all.push({
          label: `${label} as a variable`,
          query: `mutation (${declared}) { ${field.name}(${passed})${selection} }`,
          variables: Object.fromEntries(args.map((arg) => [arg.name, valueOf(arg)])),
        });
      }
    }
  }
  return all;
}

describe('a 10,000-character value in any argument of any mutation', () => {
  it('finds the mutations and their arguments in the schema the gateway serves', () => {
    const names = mutationType.fields!.map((field) => field.name);
    expect(names).toEqual(expect.arrayContaining(['addToCart', 'placeOrder', 'signUp', 'shipOrder']));
    // Input object fields are walked too (placeOrder's items, each item's productId).
    expect(cases().map((entry) => entry.label)).toContain('placeOrder(input.items.[].productId) as a variable');
  });

  it('addToCart: UNKNOWN_PRODUCT repeats at most 64 characters of the id, in the message and productIds', async () => {
    const response = await fetch(supergraph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sessions.customer.token}` },
      body: JSON.stringify({ query: 'mutation ($id: ID!) { addToCart(productId: $id, quantity: 1) { id } }', variables: { id: LONG } }),
    });
    const { errors } = (await response.json()) as { errors: { message: string; extensions: { code: string; productIds: string[] } }[] };
    expect(errors).toEqual([
      {
        message: `Product ${'x'.repeat(64)}… does not exist.`,
        path: ['addToCart'],
        extensions: expect.objectContaining({ code: 'UNKNOWN_PRODUCT', productIds: [`${'x'.repeat(64)}…`] }),
      },
    ]);
  });

  it('is answered in under 2 KB, whoever sends it', async () => {
    const oversized: string[] = [];
    for (const role of ['customer', 'admin'] as const) {
      for (const entry of cases()) {
        const response = await fetch(supergraph.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${sessions[role].token}` },
          body: JSON.stringify({ query: entry.query, variables: entry.variables }),
        });
        const answer = await response.text();
        expect(answer).toMatch(/^\{/);
        if (Buffer.byteLength(answer) >= MAX_ANSWER_BYTES) oversized.push(`${role}: ${entry.label}: ${Buffer.byteLength(answer)} bytes, ${answer.slice(0, 200)}`);
      }
    }
    expect(oversized).toEqual([]);
  });
});
