// A newcomer's `npm install` prints nothing unexplained: every dependency with an install script is
// allowed or denied in package.json's `allowScripts` (npm 11 runs none that is not allowed, and ends
// an install with the list of those not covered), and the README says why for each. Asked of npm itself.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

describe('dependency install scripts', () => {
  it('are each allowed or denied in allowScripts: npm has none left to review', async () => {
    const { stdout } = await promisify(execFile)('npm', ['install-scripts', 'ls'], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    expect(stdout.trim()).toBe('No packages with unreviewed install scripts.');
  });

  it('are each explained in the README', async () => {
    const manifest = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    const readme = await readFile(resolve(root, 'README.md'), 'utf8');
    const names = Object.keys(manifest.allowScripts ?? {});
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !readme.includes(`\`${name.replace(/@[^@/]*$/, '')}\``))).toEqual([]);
  });
});
