import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the gateway', () => {
  it('code imports nothing from a subgraph: what both sides need lives in common/', () => {
    const specifier = /(?:from|import)\s*\(?\s*'(\.[^']+)'/g;
    const crossings = sourceFiles(join(root, 'gateway')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(specifier)]
        .map((match) => relative(root, resolve(dirname(file), match[1] ?? '')))
        .filter((target) => target.startsWith('subgraphs/'))
        .map((target) => `${relative(root, file)} -> ${target}`),
    );
    expect(crossings).toEqual([]);
  });
});
