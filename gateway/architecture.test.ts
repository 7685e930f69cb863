// The shape of gateway/ (docs/execution.md, "Layers of gateway/"): every import of every source
// file, read with TypeScript's own pre-processor (type imports, re-exports and dynamic imports
// included), makes no cycle, and no file imports from a layer above its own.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const gateway = import.meta.dirname;

/** Bottom first: a file may import from its own layer and the ones before it. */
const LAYERS: readonly { readonly name: string; readonly holds: (file: string) => boolean }[] = [
  // What every feature and layer is written to: the contract, the fetch's types, the request context, graphql's one copy.
  { name: 'contract', holds: (file) => ['feature.ts', 'context.ts', 'graphql-runtime.ts', 'fetch/fetch-types.ts'].includes(file) },
  // The subgraph fetch: the pipeline, its transport, @apollo/gateway's data source over it.
  { name: 'fetch', holds: (file) => file.startsWith('fetch/') },
  // Planning and executing an operation over the fetcher.
  { name: 'executor', holds: (file) => file.startsWith('executor/') },
  // Each feature in its folder, the settings (config.ts) and the helpers features share.
  { name: 'features', holds: (file) => !['server.ts', 'start-gateway.ts', 'main.ts'].includes(file) },
  // Composing the features into the gateway, and the process around it.
  { name: 'server', holds: () => true },
];

const layerOf = (file: string): number => LAYERS.findIndex((layer) => layer.holds(file));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative(gateway, path)] : [];
  });
}

/** Each source file of gateway/ and the files of gateway/ it imports (paths relative to gateway/). */
function importGraph(): Map<string, string[]> {
  return new Map(
    sourceFiles(gateway).map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(join(gateway, file), 'utf8'), true, true);
      const targets = importedFiles
        .map(({ fileName }) => fileName)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => relative(gateway, resolve(gateway, dirname(file), specifier)))
        .filter((target) => !target.startsWith('..'));
      return [file, [...new Set(targets)]];
    }),
  );
}

/** Every cycle reached by a depth-first walk, each as the path that closes it. */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (file: string) => {
    if (onPath.has(file)) {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    onPath.add(file);
    for (const target of graph.get(file) ?? []) visit(target);
    path.pop();
    onPath.delete(file);
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return cycles;
}

describe('the layers of gateway/', () => {
  const graph = importGraph();

  it('reads the imports of every source file, type imports included', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('server.ts')).toContain('fetch/pipeline.ts');
    // `import type` only: still an edge.
    expect(graph.get('feature.ts')).toEqual(expect.arrayContaining(['context.ts', 'fetch/fetch-types.ts']));
    expect(graph.get('fetch/fetch-types.ts')).toEqual([]);
  });

  it('every file resolves to a file that exists', () => {
    const missing = [...graph].flatMap(([file, targets]) => targets.filter((target) => !graph.has(target)).map((target) => `${file} -> ${target}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycle: no file reaches itself through its imports', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('imports nothing from a layer above', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => layerOf(target) > layerOf(file)).map((target) => `${file} (${LAYERS[layerOf(file)]!.name}) -> ${target} (${LAYERS[layerOf(target)]!.name})`),
    );
    expect(upward).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one (the checks can fail)', () => {
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(cyclesOf(looped)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
    expect(layerOf('fetch/fetch-types.ts')).toBeLessThan(layerOf('fetch/pipeline.ts'));
    expect(layerOf('executor/execute-plan.ts')).toBeLessThan(layerOf('entity-cache/entity-cache.ts'));
    expect(layerOf('entity-cache/entity-cache.ts')).toBeLessThan(layerOf('server.ts'));
    expect(relative(root, gateway)).toBe('gateway');
  });
});
