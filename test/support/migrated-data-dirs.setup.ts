// vitest global setup of the projects on embedded PGlite: the migrated (empty and seeded) data
// directories their test supergraphs and processes copy are built here once, before the workers
// start (on a machine without them, each worker would otherwise build all eight at once, side by side).
import { subgraphModules } from '../../subgraphs/index.ts';
import { prepareMigratedDataDirs } from './migrated-data-dirs.ts';

export default async function setup(): Promise<void> {
  // The seeded ones are copies of the empty (migrated only) ones, which a start with SEED_DEMO_DATA=false gets.
  await prepareMigratedDataDirs(subgraphModules, { seeded: false });
  await prepareMigratedDataDirs(subgraphModules, { seeded: true });
}
