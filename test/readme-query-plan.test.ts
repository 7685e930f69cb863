// docs/dashboard.md (the README's former dashboard section) prints query plans under
// `<details><summary>npm run query-plan -- <file> <name></summary>`; each must be what that command
// prints today, or the docs teach a plan the gateway no longer makes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const doc = readFileSync(resolve(root, 'docs/dashboard.md'), 'utf8');
const printed = [...doc.matchAll(/<details><summary>npm run query-plan -- (\S+)(?: (\S+))?<\/summary>\s*```\n([\s\S]*?)```/g)].map(([, file, operationName, plan]) => ({
  file: file!,
  operationName,
  plan: plan!,
}));

describe('query plans printed in docs/dashboard.md', () => {
  it('has at least one', () => {
    expect(printed.map(({ file }) => file)).toContain('sdk/operations/dashboard.graphql');
  });

  it.each(printed)(
    '$file $operationName is what npm run query-plan prints',
    async ({ file, operationName, plan }) => {
      const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'query-plan', '--', file, ...(operationName ? [operationName] : [])], { cwd: root });
      expect(plan).toBe(stdout);
    },
    120_000,
  );
});
