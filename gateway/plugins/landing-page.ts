import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayFeature } from '../feature.ts';

/** No Apollo landing page (Sandbox) in production: absent elsewhere, where Apollo shows its default. */
export function createLandingPageOff({ production }: { readonly production: boolean }): GatewayFeature | undefined {
  if (!production) return undefined;
  return { name: 'landing-page-off', apolloPlugins: [ApolloServerPluginLandingPageDisabled()] };
}
