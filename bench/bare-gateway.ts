import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GATEWAY_CREDENTIAL_HEADER, signGatewayCredential } from '../common/gateway-credential.ts';
import { devSubgraphSecret, type SubgraphName } from '../common/service/subgraph-config.ts';
import type { Viewer } from '../common/viewer.ts';
import { optOutOfApolloDataCollection } from '../gateway/apollo-data-collection.ts';

/**
 * The baseline: `@apollo/gateway` on `@apollo/server`'s standalone server over the same
 * subgraphs, with nothing of ours but the credential the subgraphs insist on (and the identity
 * it carries, taken unverified from a header the benchmark sets). No token verification,
 * limits, resilience, metrics or subscriptions.
 */
export async function startBareGateway(supergraphSdl: string, subgraphUrls: Record<string, string>) {
  optOutOfApolloDataCollection();
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) =>
      new RemoteGraphQLDataSource<{ viewer: Viewer | null }>({
        url: subgraphUrls[name],
        async willSendRequest({ request, context }) {
          const credential = await signGatewayCredential(name, devSubgraphSecret(name as SubgraphName), { viewer: context.viewer ?? null, requestId: 'bench' });
          request.http?.headers.set(GATEWAY_CREDENTIAL_HEADER, credential);
        },
      }),
  });
  const server = new ApolloServer<{ viewer: Viewer | null }>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      const id = req.headers['x-bench-user-id'];
      return { viewer: typeof id === 'string' ? { id, role: 'CUSTOMER' as const } : null };
    },
  });
  return { url, stop: () => server.stop() };
}
