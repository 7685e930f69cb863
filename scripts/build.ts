// Production runs compiled JavaScript: each entry point (the gateway, every subgraph) is bundled
// with esbuild into dist/<entry>.js, so a start no longer transpiles TypeScript (tsx does that in
// development). The project's own modules are bundled; packages stay in node_modules (external).
// Files read at run time beside a module (schema.graphql, migrations, the supergraph) are still
// read from the source tree: each module's `import.meta.url` becomes its source file's URL,
// computed relative to the bundle, so the same code finds the same files from dist/.
//   npm run build          # writes dist/gateway/main.js, dist/subgraphs/<name>/main.js, dist/scripts/create-admin.js
import { readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm run build` writes; anywhere inside the project works (packages resolve from its node_modules). */
export const DIST = join(root, 'dist');

/** The commands an operator runs in the image beside the services (docs/going-live.md). */
const OPERATOR_COMMANDS = ['scripts/create-admin.ts'];

/** gateway/main.ts, subgraphs/<name>/main.ts, the storefront's server and the operator commands, as paths relative to the project root. */
export function entryPoints(): string[] {
  const subgraphs = readdirSync(join(root, 'subgraphs'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `subgraphs/${entry.name}/main.ts`)
    .filter((path) => readdirSync(join(root, dirname(path))).includes('main.ts'));
  return ['gateway/main.ts', ...subgraphs.sort(), 'web/server/main.ts', ...OPERATOR_COMMANDS];
}

/** Rewrites `import.meta.url` in the project's sources to the source file's own URL, found from the bundle's. */
const sourceLocation = (outFile: string): Plugin => ({
  name: 'source-location',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (path.includes(`${join('node_modules', '')}`)) return undefined;
      const source = await readFile(path, 'utf8');
      // import.meta.dirname and .filename would name dist/: files beside a module are found through its URL.
      if (/import\.meta\.(dirname|filename)/.test(source))
        throw new Error(`${relative(root, path)}: use new URL(..., import.meta.url) instead of import.meta.dirname/filename (they would point into dist/)`);
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
      const fromBundle = relative(dirname(outFile), path).split('\\').join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts' };
    });
  },
});

/** Builds every entry point into `outRoot` (emptied first); returns the files written, relative to the project. */
export async function buildAll(outRoot: string = DIST): Promise<string[]> {
  await rm(outRoot, { recursive: true, force: true });
  const outFiles: string[] = [];
  for (const entry of entryPoints()) {
    const outFile = join(outRoot, entry.replace(/\.ts$/, '.js'));
    await build({
      entryPoints: [join(root, entry)],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning',
      plugins: [sourceLocation(outFile)],
    });
    outFiles.push(relative(root, outFile));
  }
  return outFiles;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildAll();
  console.log(`built ${built.length} entry points: ${built.join(', ')}`);
}
