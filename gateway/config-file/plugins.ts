// Plugins the configuration file lists: a module whose default export makes a GatewayFeature from
// its options (gateway/feature.ts), loaded at start (start-gateway.ts) and composed after the
// built-in features (gateway/server.ts). A plugin that cannot load or refuses its options stops
// the start, naming where the file declares it.
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ConfigError } from '../../common/config.ts';
import type { Logger } from '../../common/logger.ts';
import type { GatewayConfig, PluginDeclaration } from '../config.ts';
import type { GatewayFeature } from '../feature.ts';

/** What a plugin's factory is given besides its options. */
export interface PluginDependencies {
  /** The gateway's settings, read-only. */
  readonly config: GatewayConfig;
  /** A child of the gateway's logger, with `plugin` set to the module. */
  readonly log: Logger;
  /** The gateway's Prometheus registry (`/metrics`). */
  readonly registry: Registry;
}

/** A plugin module's default export: `undefined` when its options leave it off. */
export type GatewayPluginFactory = (options: Readonly<Record<string, unknown>>, deps: PluginDependencies) => GatewayFeature | undefined;

const isFeature = (value: unknown): value is GatewayFeature =>
  typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && (value as { name: string }).name !== '';

/** "`options.header`: …" lines for a plugin's zod refusal of its options, else its message. */
function reasons(error: unknown): string[] {
  if (error instanceof z.ZodError) return error.issues.map((issue) => `${['options', ...issue.path.map(String)].join('.')}: ${issue.message}`);
  if (error instanceof ConfigError) return [...error.issues];
  return [error instanceof Error ? error.message : String(error)];
}

/** Imports each listed plugin and makes its feature, in the file's order; those returning undefined are off. */
export async function loadPlugins(declarations: readonly PluginDeclaration[], deps: PluginDependencies): Promise<GatewayFeature[]> {
  const features: GatewayFeature[] = [];
  for (const declaration of declarations) {
    const where = `${declaration.declaredAt} (${declaration.module})`;
    let factory: unknown;
    try {
      factory = ((await import(declaration.module)) as { default?: unknown }).default;
    } catch (error) {
      throw new ConfigError([`${where}: cannot load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`]);
    }
    if (typeof factory !== 'function') throw new ConfigError([`${where}: its default export is not a factory (options, deps) => GatewayFeature`]);
    let feature: unknown;
    try {
      feature = (factory as GatewayPluginFactory)(declaration.options, { ...deps, log: deps.log.child({ plugin: declaration.module }) });
    } catch (error) {
      throw new ConfigError(reasons(error).map((reason) => `${where}: ${reason}`));
    }
    if (feature === undefined) continue;
    if (!isFeature(feature)) throw new ConfigError([`${where}: the factory returned neither a GatewayFeature (with a name) nor undefined`]);
    features.push(feature);
  }
  return features;
}
