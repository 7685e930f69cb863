// The gateway's authorization and graphql-shield in the subgraphs agree on every field our schema
// annotates (@authenticated, @requiresScopes): for an anonymous caller, a customer and an admin,
// the gateway refuses a field (`deniedBy: "gateway"` at its path) exactly when shield refuses it,
// with the same code (UNAUTHENTICATED or FORBIDDEN). Shield's answer comes from a second gateway
// over the same subgraphs serving the supergraph without its authorization. The annotated fields
// are read from the supergraph, so a new annotation without a case here fails the test.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import type { GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRequirements, servableSupergraph } from '../../gateway/authorization/requirements.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { graphqlRuntime } from '../../gateway/graphql-runtime.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import { graphql, type GraphQLResponse } from '../support/graphql-client.ts';
import { logInAsAdmin, logInAsCustomer } from '../support/sessions.ts';
import { startTestSupergraph, type TestSupergraph } from '../support/test-supergraph.ts';
import { withoutAuthorization } from '../support/without-authorization.ts';

const { isObjectType } = graphqlRuntime;
const root = resolve(import.meta.dirname, '../..');
const NOBODY = randomUUID();

/** One operation per annotated coordinate, and the response path of that field in it. */
const CASES: Readonly<Record<string, { readonly query: string; readonly path: string }>> = {
  'Query.user': { query: `{ user(id: "${NOBODY}") { id } }`, path: 'user' },
  'Query.cart': { query: '{ cart { id } }', path: 'cart' },
  'Query.cartById': { query: `{ cartById(id: "${NOBODY}") { id } }`, path: 'cartById' },
  'Query.order': { query: `{ order(id: "${NOBODY}") { id } }`, path: 'order' },
  'Query.notification': { query: `{ notification(id: "${NOBODY}") { id } }`, path: 'notification' },
  'Inventory.onHand': { query: 'query Stock($id: ID!) { product(id: $id) { inventory { onHand } } }', path: 'product.inventory.onHand' },
  'Mutation.addToCart': { query: `mutation { addToCart(productId: "${NOBODY}", quantity: 1) { id } }`, path: 'addToCart' },
  'Mutation.updateCartItem': { query: `mutation { updateCartItem(productId: "${NOBODY}", quantity: 1) { id } }`, path: 'updateCartItem' },
  'Mutation.removeFromCart': { query: `mutation { removeFromCart(productId: "${NOBODY}") { id } }`, path: 'removeFromCart' },
  'Mutation.clearCart': { query: 'mutation { clearCart { id } }', path: 'clearCart' },
  'Mutation.checkout': { query: `mutation { checkout(input: { paymentToken: "tok_visa" }, idempotencyKey: "${randomUUID()}") { id } }`, path: 'checkout' },
  'Mutation.placeOrder': {
    query: `mutation { placeOrder(input: { items: [{ productId: "${NOBODY}", quantity: 1 }], paymentToken: "tok_visa" }, idempotencyKey: "${randomUUID()}") { id } }`,
    path: 'placeOrder',
  },
  'Mutation.cancelOrder': { query: `mutation { cancelOrder(id: "${NOBODY}") { id } }`, path: 'cancelOrder' },
  'Mutation.markNotificationRead': { query: `mutation { markNotificationRead(id: "${NOBODY}") { id } }`, path: 'markNotificationRead' },
  'Mutation.createProduct': {
    query: `mutation { createProduct(input: { sku: "AUTHZ-${NOBODY}", name: "Agreement", description: "d", priceAmount: 100, categoryId: "${NOBODY}" }) { id } }`,
    path: 'createProduct',
  },
  'Mutation.updateProduct': { query: `mutation { updateProduct(id: "${NOBODY}", input: { name: "n" }) { id } }`, path: 'updateProduct' },
  'Mutation.createCategory': { query: `mutation { createCategory(input: { name: "Agreement ${NOBODY}", parentId: "${NOBODY}" }) { id } }`, path: 'createCategory' },
  'Mutation.renameCategory': { query: `mutation { renameCategory(id: "${NOBODY}", name: "n") { id } }`, path: 'renameCategory' },
  'Mutation.moveCategory': { query: `mutation { moveCategory(id: "${NOBODY}", parentId: "${NOBODY}") { id } }`, path: 'moveCategory' },
  'Mutation.deleteCategory': { query: `mutation { deleteCategory(id: "${NOBODY}") { id } }`, path: 'deleteCategory' },
  'Mutation.restock': { query: `mutation { restock(productId: "${NOBODY}", quantity: 1) { available } }`, path: 'restock' },
  'Mutation.shipOrder': { query: `mutation { shipOrder(orderId: "${NOBODY}", carrier: UPS) { id } }`, path: 'shipOrder' },
  'Mutation.markDelivered': { query: `mutation { markDelivered(shipmentId: "${NOBODY}") { id } }`, path: 'markDelivered' },
};

const SHIELD_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

let supergraph: TestSupergraph;
let shieldOnly: Awaited<ReturnType<typeof startGateway>>;
let scratch: string;
let shieldOnlyUrl: string;
let annotated: string[];
let productId: string;
const tokens: Record<string, string | undefined> = { anonymous: undefined };

beforeAll(async () => {
  supergraph = await startTestSupergraph();
  const sdl = await readFile(resolve(root, 'supergraph.graphql'), 'utf8');
  // The annotated coordinates, as the gateway reads them.
  const api = Supergraph.build(servableSupergraph(sdl)).apiSchema().toGraphQLJSSchema();
  const requirements = readRequirements(sdl, api);
  annotated = Object.values(api.getTypeMap())
    .filter((type) => isObjectType(type) && !type.name.startsWith('__'))
    .flatMap((type) => Object.keys((type as GraphQLObjectType).getFields()).flatMap((field) => (requirements.of(type, field) ? [`${type.name}.${field}`] : [])));
  scratch = await mkdtemp(join(tmpdir(), 'authz-agreement-'));
  const path = join(scratch, 'supergraph.graphql');
  await writeFile(path, withoutAuthorization(sdl));
  const subgraphUrls = Object.fromEntries(Object.values(supergraph.subgraphs).map((subgraph) => [`SUBGRAPH_URL_${subgraph.name.toUpperCase()}`, `${subgraph.url}/graphql`]));
  shieldOnly = await startGateway(
    loadGatewayConfig({
      ...supergraph.env,
      PORT: '0',
      HOST: '127.0.0.1',
      SUPERGRAPH_PATH: path,
      SUPERGRAPH_WATCH: 'false',
      JWKS_URL: `${supergraph.subgraphs['accounts']!.url}/.well-known/jwks.json`,
      ...subgraphUrls,
    }),
    { bus: supergraph.bus },
  );
  shieldOnlyUrl = `${shieldOnly.url}/graphql`;
  tokens['customer'] = (await logInAsCustomer(supergraph.gatewayUrl)).token;
  tokens['admin'] = (await logInAsAdmin(supergraph.gatewayUrl)).token;
  const products = await graphql<{ products: { edges: { node: { id: string } }[] } }>(supergraph.gatewayUrl, '{ products(first: 1) { edges { node { id } } } }');
  productId = products.data!.products.edges[0]!.node.id;
}, 240_000);

afterAll(async () => {
  await shieldOnly?.stop();
  await supergraph?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The code of the refusal at `path` (by the gateway when `byGateway`), or null. */
const refusalAt = (response: GraphQLResponse, path: string, byGateway: boolean): string | null => {
  const error = (response.errors ?? []).find(
    (candidate) =>
      candidate.path?.join('.') === path && SHIELD_CODES.has(String(candidate.extensions?.['code'])) && (!byGateway || candidate.extensions?.['deniedBy'] === 'gateway'),
  );
  return error ? String(error.extensions?.['code']) : null;
};

describe('the gateway and shield agree on every annotated field', () => {
  it('has a case for every annotated field', () => {
    expect(annotated.length).toBeGreaterThan(10);
    expect(annotated.filter((coordinate) => !(coordinate in CASES))).toEqual([]);
  });

  it.each(['anonymous', 'customer', 'admin'])(
    'as %s',
    async (who) => {
      const token = tokens[who];
      const outcomes: Record<string, { gateway: string | null; shield: string | null }> = {};
      for (const coordinate of annotated) {
        const { query, path } = CASES[coordinate]!;
        const variables = query.includes('$id') ? { id: productId } : {};
        const options = token ? { token } : {};
        const atGateway = await graphql(supergraph.gatewayUrl, query, variables, options);
        const atShield = await graphql(shieldOnlyUrl, query, variables, options);
        outcomes[coordinate] = { gateway: refusalAt(atGateway, path, true), shield: refusalAt(atShield, path, false) };
      }
      const disagreements = Object.entries(outcomes).filter(([, { gateway, shield }]) => gateway !== shield);
      expect(disagreements).toEqual([]);
      const refused = Object.values(outcomes).filter(({ gateway }) => gateway !== null).length;
      // Not vacuous: every annotated field is refused to nobody's token, none to an admin's, some to a customer's.
      if (who === 'anonymous') expect(refused).toBe(annotated.length);
      if (who === 'admin') expect(refused).toBe(0);
      if (who === 'customer') expect(refused).toBeGreaterThan(0);
      if (who === 'customer') expect(refused).toBeLessThan(annotated.length);
    },
    120_000,
  );
});
