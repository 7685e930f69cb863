import { exitOnConfigError } from '../config.ts';
import { createLogger } from '../logger.ts';
import { loadTracingConfig } from '../telemetry/tracing-config.ts';
import { startTracing } from '../telemetry/tracing.ts';
import type { SubgraphConfig } from './subgraph-config.ts';
import type { PrismaHandle, SubgraphModule } from './subgraph-module.ts';
import { startSubgraph } from './start-subgraph.ts';
import { stopOnSignals } from './stop-on-signals.ts';

/** A service's entry point: read its config, start tracing and the service, stop cleanly on SIGTERM/SIGINT. */
export async function runServiceMain<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle>(module: SubgraphModule<TConfig, TPrisma>): Promise<void> {
  const { running, tracing, config } = await exitOnConfigError(async () => {
    const config = module.loadConfig();
    const tracing = startTracing(loadTracingConfig(module.name));
    return { running: await startSubgraph(module, config), tracing, config };
  });
  // The spans of the last requests and messages are exported before the process ends.
  stopOnSignals(
    async () => {
      await running.stop();
      await tracing.shutdown();
    },
    createLogger(module.name, config.logLevel, config.logFormat),
  );
}
