// vitest global setup of the projects on embedded PGlite: the migrated, seeded data directories
// their test supergraphs copy are built here once, before the workers start (on a machine without
// them, each worker would otherwise build all eight at once, side by side).
import { subgraphModules } from '../../subgraphs/index.ts';
import { prepareMigratedDataDirs } from './migrated-data-dirs.ts';

export default async function setup(): Promise<void> {
  await prepareMigratedDataDirs(subgraphModules, { seeded: true });
}
