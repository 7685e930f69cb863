// Opens a PGlite database, in memory or in a data directory, quickly.
//
// A brand-new PGlite database runs initdb inside wasm: ~3-4 s in memory and ~8 s straight into a
// directory. Restoring a tarball of a pristine, just-initialised data directory takes ~1-3 s (most of
// it compiling the wasm), so the first fresh database of a machine is made in memory, dumped to a
// template (`<tmpdir>/pglite-template-<pglite version>-<uid>.tar.gz`, ~4.5 MB), and every later fresh
// database (a service's first start, each test, each createMigration shadow) is restored from it.
//
// Memory: every instance is one PostgreSQL backend inside its own wasm memory, and PostgreSQL's default
// shared_buffers (128 MB) is resident as soon as the instance starts (measured: ~170 MB an instance).
// npm start runs eight of them: 8 x ~170 MB. A service database here holds a few MB, so the instance
// runs with laptop-sized settings (~35 MB each, measured in docs/benchmarks.md), passed on the command
// line: nothing is written into the data directory, and one made before this opens the same way.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

export const IN_MEMORY = 'memory://';

/**
 * PGlite's own start parameters, plus settings sized for a database of a few MB per service:
 * - shared_buffers 8 MB (PostgreSQL's default 128 MB, resident from the start in wasm); the OS page
 *   cache still holds the files, so a miss costs a copy, not a disk read;
 * - max_connections 10: PGlite is a single backend, every socket shares it; the default 100 only
 *   sizes per-connection shared-memory arrays nobody uses.
 */
export const PGLITE_START_PARAMS: readonly string[] = [...PGlite.defaultStartParams, '-c', 'shared_buffers=8MB', '-c', 'max_connections=10'];

let firstOpen: Promise<unknown> | undefined;

/**
 * Runs the process's first PGlite.create alone, the others after it. PGlite compiles pglite.wasm
 * (9 MB) on its first create and reuses the module only once that compile has finished: the eight
 * services of npm start open their databases at once, and each compiled its own copy (seconds of CPU
 * and a copy of the machine code each). Handing PGlite a module compiled here (pgliteWasmModule)
 * instead made every instance ~6x bigger (measured, not understood), so this only orders the calls.
 */
async function create(options: PGliteOptions): Promise<PGlite> {
  const withSizing = { ...options, startParams: [...PGLITE_START_PARAMS] };
  if (firstOpen === undefined) {
    const opening = PGlite.create(withSizing);
    // Settles with nothing: holding the instance here would keep a closed one's memory alive.
    firstOpen = opening.then(
      () => undefined,
      () => (firstOpen = undefined),
    );
    return opening;
  }
  await firstOpen;
  return PGlite.create(withSizing);
}

/** `memory://` for a throw-away database; otherwise a directory, created when missing, reused when it holds one. */
export async function openPGlite(dataDir: string): Promise<PGlite> {
  if (dataDir === IN_MEMORY) return openFresh(undefined);
  const directory = path.resolve(dataDir);
  await mkdir(directory, { recursive: true });
  if ((await readdir(directory)).length > 0) return create({ dataDir: directory });
  return openFresh(directory);
}

async function openFresh(directory: string | undefined): Promise<PGlite> {
  const options = directory === undefined ? {} : { dataDir: directory };
  try {
    return await create({ ...options, loadDataDir: new Blob([await templateBytes()]) });
  } catch {
    // A damaged template: forget it, undo the partial restore and initialise from scratch once more.
    templateLoading = undefined;
    await rm(templatePath(), { force: true });
    if (directory !== undefined) await emptyDirectory(directory);
    return create({ ...options, loadDataDir: new Blob([await templateBytes()]) });
  }
}

let templateLoading: Promise<Uint8Array> | undefined;

/**
 * The template's bytes, read (or made) once per process: npm start opens eight fresh databases at
 * once, and on a machine without the template each of them used to run its own initdb (~3-4 s of
 * CPU each) to make the same bytes.
 */
function templateBytes(): Promise<Uint8Array> {
  templateLoading ??= (async () => {
    const saved = await readFile(templatePath()).catch(() => undefined);
    if (saved !== undefined) return saved;
    const pristine = await create({});
    try {
      const bytes = new Uint8Array(await (await pristine.dumpDataDir('gzip')).arrayBuffer());
      await saveTemplate(bytes);
      return bytes;
    } finally {
      await pristine.close();
    }
  })();
  const loading = templateLoading;
  loading.catch(() => {
    if (templateLoading === loading) templateLoading = undefined;
  });
  return loading;
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
