/**
 * Every subgraph, one line each. Ports, `supergraph.yaml`, the codegen map, `subgraphs/index.ts`,
 * each `subgraphs/<name>/main.ts`, compose, the database init script and the Kubernetes files are
 * written from it by `npm run subgraphs:generate`; `test/subgraph-registry.test.ts` fails, naming
 * the file and the subgraph, when one of them no longer matches. It lives in common/ because the
 * gateway reads the names and ports too, and gateway/ imports nothing from subgraphs/.
 *
 * Adding a subgraph: its folder under `subgraphs/<name>/` (with `service.ts` exporting the module
 * named `<name>`), its Prisma schema under `prisma/<name>/`, one line here, then the generator.
 */
export interface SubgraphEntry {
  readonly name: string;
  readonly port: number;
  /** Kubernetes scales it on CPU (a HorizontalPodAutoscaler); the others run a fixed two replicas. */
  readonly autoscale?: boolean;
  /** Plain variables its deployments set beyond the ones every subgraph gets. */
  readonly env?: Readonly<Record<string, string>>;
}

export const GATEWAY_PORT = 4000;

// Order matters: it is the order of supergraph.yaml, of the start-up and of every generated list.
export const SUBGRAPHS = [
  { name: 'accounts', port: 4001, env: { JWT_ISSUER: 'commerce-supergraph/accounts', JWT_AUDIENCE: 'commerce-supergraph' } },
  { name: 'catalog', port: 4002, autoscale: true },
  { name: 'inventory', port: 4003, autoscale: true },
  { name: 'orders', port: 4004, autoscale: true },
  { name: 'payments', port: 4005 },
  { name: 'shipping', port: 4006 },
  { name: 'notifications', port: 4007 },
  { name: 'cart', port: 4008, autoscale: true },
] as const satisfies readonly SubgraphEntry[];

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export const SUBGRAPH_NAMES: readonly SubgraphName[] = SUBGRAPHS.map((subgraph) => subgraph.name);

/** The standard port of the gateway and of each subgraph. */
export const SERVICE_PORTS = Object.freeze({
  gateway: GATEWAY_PORT,
  ...Object.fromEntries(SUBGRAPHS.map((subgraph) => [subgraph.name, subgraph.port])),
}) as Readonly<Record<'gateway' | SubgraphName, number>>;
