// Opens a PGlite database, in memory or in a data directory, quickly.
//
// A brand-new PGlite database runs initdb inside wasm: ~3-4 s in memory and ~8 s straight into a
// directory. Restoring a tarball of a pristine, just-initialised data directory takes ~1-3 s (most of
// it compiling the wasm), so the first fresh database of a machine is made in memory, dumped to a
// template (`<tmpdir>/pglite-template-<pglite version>-<uid>.tar.gz`, ~4.5 MB), and every later fresh
// database (a service's first start, each test, each createMigration shadow) is restored from it.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

export const IN_MEMORY = 'memory://';

/** `memory://` for a throw-away database; otherwise a directory, created when missing, reused when it holds one. */
export async function openPGlite(dataDir: string): Promise<PGlite> {
  if (dataDir === IN_MEMORY) return openFresh(undefined);
  const directory = path.resolve(dataDir);
  await mkdir(directory, { recursive: true });
  if ((await readdir(directory)).length > 0) return PGlite.create({ dataDir: directory });
  return openFresh(directory);
}

async function openFresh(directory: string | undefined): Promise<PGlite> {
  const template = await readFile(templatePath()).catch(() => undefined);
  if (template !== undefined) {
    try {
      return await PGlite.create({ ...(directory === undefined ? {} : { dataDir: directory }), loadDataDir: new Blob([template]) });
    } catch {
      // A damaged template: forget it, undo the partial restore and initialise from scratch.
      await rm(templatePath(), { force: true });
      if (directory !== undefined) await emptyDirectory(directory);
    }
  }
  const pristine = await PGlite.create();
  const tarball = await pristine.dumpDataDir('gzip');
  await saveTemplate(new Uint8Array(await tarball.arrayBuffer()));
  if (directory === undefined) return pristine;
  await pristine.close();
  return PGlite.create({ dataDir: directory, loadDataDir: tarball });
}

async function saveTemplate(bytes: Uint8Array): Promise<void> {
  const target = templatePath();
  const partial = `${target}.${process.pid}.${Date.now()}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, target); // atomic: concurrent writers all write the same bytes
  } catch {
    await rm(partial, { force: true }); // the template is only an optimisation
  }
}

async function emptyDirectory(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
}

let cachedTemplatePath: string | undefined;

function templatePath(): string {
  if (cachedTemplatePath !== undefined) return cachedTemplatePath;
  const require = createRequire(import.meta.url);
  // The package does not export its package.json: find it from its entry point (<pkg>/dist/index.cjs).
  const manifestPath = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const manifest: unknown = require(manifestPath);
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string' ? manifest.version : 'unknown';
  cachedTemplatePath = path.join(tmpdir(), `pglite-template-${version}-${process.getuid?.() ?? 'user'}.tar.gz`);
  return cachedTemplatePath;
}
