import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// One Node major everywhere the project names one: what it declares, builds its image on, runs CI on,
// fetches when the machine's Node is older (scripts/with-node24.sh), and types its code against.
const root = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
const declaredMajor = Number(/^>=(\d+)$/.exec(packageJson.engines.node)?.[1]);

describe('the Node version', () => {
  it('is the current LTS, 24, in engines', () => {
    expect(packageJson.engines.node).toBe('>=24');
  });

  it('is the same major in the Dockerfile, the CI workflow, the fetched binary and @types/node', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:([^\s-]+)/gm)].map((match) => match[1]);
    expect(images.length).toBeGreaterThanOrEqual(2);
    expect(new Set(images)).toEqual(new Set([String(declaredMajor)]));
    const workflow = parse(read('.github/workflows/ci.yml')) as { jobs: Record<string, { steps: { uses?: string; with?: { 'node-version'?: unknown } }[] }> };
    const setups = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((step) => step.uses?.startsWith('actions/setup-node')));
    expect(setups.map((step) => String(step.with?.['node-version']))).toEqual([String(declaredMajor)]);
    const fetched = /^NODE24_VERSION=(\d+)\.\d+\.\d+$/m.exec(read('scripts/with-node24.sh'))?.[1];
    expect(Number(fetched)).toBe(declaredMajor);
    expect(Number(packageJson.devDependencies['@types/node']?.split('.')[0])).toBe(declaredMajor);
    expect(read('.ci/run')).toMatch(/^source scripts\/with-node24\.sh$/m);
  });

  it('runs this suite (CI and `npm test` through scripts/with-node24.sh when the system Node is older)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(declaredMajor);
  });
});
