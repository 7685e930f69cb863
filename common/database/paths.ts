// Where each service's Prisma files live, resolved from the project root (never the cwd).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the project root (this file is `<root>/common/database/paths.ts`). */
export const projectRoot: string = fileURLToPath(new URL('../../', import.meta.url));

export interface ServicePaths {
  /** `<root>/prisma/<service>/schema.prisma` */
  readonly schemaPath: string;
  /** `<root>/prisma/<service>/migrations` */
  readonly migrationsDir: string;
}

const SERVICE_NAME = /^[a-z][a-z0-9_-]*$/;

/** Rejects anything that is not a plain service folder name (no paths, no `..`). */
export function assertServiceName(service: string): void {
  if (!SERVICE_NAME.test(service)) {
    throw new Error(`Invalid service name ${JSON.stringify(service)}: expected lowercase letters, digits, "-" or "_"`);
  }
}

export function servicePaths(service: string): ServicePaths {
  assertServiceName(service);
  const serviceDir = path.join(projectRoot, 'prisma', service);
  return {
    schemaPath: path.join(serviceDir, 'schema.prisma'),
    migrationsDir: path.join(serviceDir, 'migrations'),
  };
}

/** Every service that has a `prisma/<service>/schema.prisma`, sorted by name. */
export async function listServices(): Promise<string[]> {
  const prismaDir = path.join(projectRoot, 'prisma');
  const entries = await readdir(prismaDir, { withFileTypes: true });
  const services: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !SERVICE_NAME.test(entry.name)) continue;
    const schema = await stat(path.join(prismaDir, entry.name, 'schema.prisma')).catch(() => null);
    if (schema?.isFile()) services.push(entry.name);
  }
  return services.sort();
}
