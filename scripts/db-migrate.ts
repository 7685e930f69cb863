// Prisma Migrate for every service, through the wasm schema engine (no native engine needed).
//
//   tsx scripts/db-migrate.ts create <service> <name>   (npm run db:migrate:create -- catalog add_sku)
//     Writes prisma/<service>/migrations/<timestamp>_<name>/migration.sql from the schema change.
//   tsx scripts/db-migrate.ts deploy [service...]       (npm run db:migrate)
//     Applies pending migrations of every service (or the ones named) to DATABASE_URL_<SERVICE>.
import path from 'node:path';
import { listServices, projectRoot } from '../common/database/paths.ts';
import { applyMigrations, createMigration } from '../common/database/schema-engine.ts';

const USAGE = 'usage: db-migrate.ts create <service> <name> | db-migrate.ts deploy [service...]';

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === 'create') return create(args);
  if (command === 'deploy') return deploy(args);
  throw new Error(USAGE);
}

async function create(args: string[]): Promise<void> {
  const [service, name, ...rest] = args;
  if (service === undefined || name === undefined || rest.length > 0) throw new Error(USAGE);
  await assertKnownServices([service]);
  const created = await createMigration({ service, name });
  if (created === null) {
    console.log(`${service}: the schema matches the migrations, nothing to create`);
    return;
  }
  console.log(`${service}: created ${path.relative(projectRoot, created.directory)}/migration.sql`);
}

async function deploy(args: string[]): Promise<void> {
  const services = args.length > 0 ? args : await listServices();
  await assertKnownServices(services);
  // Check every variable before touching any database.
  const targets = services.map((service) => ({ service, variable: databaseUrlVariable(service) }));
  const missing = targets.filter(({ variable }) => !process.env[variable]).map(({ variable }) => variable);
  if (missing.length > 0) throw new Error(`Missing environment variable(s): ${missing.join(', ')}`);

  for (const { service, variable } of targets) {
    const started = performance.now();
    const connectionString = process.env[variable] ?? '';
    const { appliedMigrationNames } = await applyMigrations({ service, connectionString });
    const took = `${Math.round(performance.now() - started)} ms`;
    if (appliedMigrationNames.length === 0) console.log(`${service}: no pending migrations (${took})`);
    else console.log(`${service}: applied ${appliedMigrationNames.join(', ')} (${took})`);
  }
}

/** `catalog` -> `DATABASE_URL_CATALOG`, `order-history` -> `DATABASE_URL_ORDER_HISTORY`. */
function databaseUrlVariable(service: string): string {
  return `DATABASE_URL_${service.toUpperCase().replace(/-/g, '_')}`;
}

async function assertKnownServices(services: string[]): Promise<void> {
  const known = await listServices();
  const unknown = services.filter((service) => !known.includes(service));
  if (unknown.length > 0) {
    throw new Error(`No prisma/<service>/schema.prisma for: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
