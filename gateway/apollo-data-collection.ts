/**
 * `@apollo/gateway` reports usage metrics to Apollo by default, and to label them probes cloud
 * metadata endpoints (169.254.169.254 and the like) when it starts. A self-hosted shop graph
 * should send nothing anywhere it was not told to: it is off unless the operator sets
 * APOLLO_TELEMETRY_DISABLED=false. Must run before an ApolloGateway is constructed.
 */
export function optOutOfApolloDataCollection(): void {
  process.env['APOLLO_TELEMETRY_DISABLED'] ??= 'true';
}
