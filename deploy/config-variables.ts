import { loadGatewayConfig } from '../gateway/config.ts';
import { loadTracingConfig } from '../common/telemetry/tracing-config.ts';
import { subgraphModules } from '../subgraphs/index.ts';

/**
 * The environment variables each service's config reads, found by loading it against an
 * environment that records every name asked for. Deployment files are checked against this,
 * so they can neither miss a variable nor set one the code ignores.
 */
export function variablesReadBy(load: (env: Record<string, string | undefined>) => unknown): Set<string> {
  const asked = new Set<string>();
  const recording = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, name) {
        if (typeof name === 'string') asked.add(name);
        return undefined;
      },
    },
  );
  load(recording);
  return asked;
}

/** Each entry point reads its service's config and the tracing variables (common/telemetry/tracing-config.ts). */
export function variablesByService(): Record<string, Set<string>> {
  const withTracing = (name: string, load: (env: Record<string, string | undefined>) => unknown) =>
    variablesReadBy((env) => {
      load(env);
      loadTracingConfig(name, env);
    });
  return {
    gateway: withTracing('gateway', loadGatewayConfig),
    ...Object.fromEntries(subgraphModules.map((module) => [module.name, withTracing(module.name, (env) => module.loadConfig(env))])),
  };
}
