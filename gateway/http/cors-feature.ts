// Apart from cors.ts, which the configuration reads (parseOrigins): the configuration must not reach
// the feature contract through its imports.
import type { GatewayFeature } from '../feature.ts';
import { withCors } from './cors.ts';

/** CORS for the origins on the allow-list (CORS_ORIGINS); absent with an empty list. */
export function createCors(origins: readonly string[]): GatewayFeature | undefined {
  if (origins.length === 0) return undefined;
  return { name: 'cors', http: (next) => withCors(origins, next) };
}
