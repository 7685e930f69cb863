import { exitOnConfigError } from '../config.ts';
import type { SubgraphConfig } from './subgraph-config.ts';
import type { PrismaHandle, SubgraphModule } from './subgraph-module.ts';
import { startSubgraph } from './start-subgraph.ts';
import { stopOnSignals } from './stop-on-signals.ts';

/** A service's entry point: read its config, start it, stop cleanly on SIGTERM/SIGINT. */
export async function runServiceMain<TConfig extends SubgraphConfig, TPrisma extends PrismaHandle>(
  module: SubgraphModule<TConfig, TPrisma>,
): Promise<void> {
  const running = await exitOnConfigError(() => startSubgraph(module, module.loadConfig()));
  stopOnSignals(() => running.stop());
}
