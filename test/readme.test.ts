// What issue 26 asks of the README: short enough for a newcomer (at most 400 lines, details in docs/),
// a map of gateway/ that names every folder and top-level file, "where to look" answers of one or two
// files that exist, and no link from the README or docs/ into nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(root, 'docs', name));
const subgraphNames = readdirSync(join(root, 'subgraphs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/** The lines of a `## title` or `### title` section, up to the next heading of any level. */
function section(title: string): string {
  const text = readme.split(new RegExp(`^#{2,3} ${title}$`, 'm'))[1]?.split(/^#{1,3} /m)[0];
  if (text === undefined) throw new Error(`README.md has no "${title}" section`);
  return text;
}

/** Table rows of a section (header and separator rows left out), as their cells. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '')));
}

describe('README.md', () => {
  it('is at most 400 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
  });

  it('maps every folder and top-level source file of gateway/', () => {
    const named = rows(section('The gateway, folder by folder'))
      .map(([paths]) => paths ?? '')
      .join(' ');
    const entries = readdirSync(join(root, 'gateway'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')))
      .map((entry) => (entry.isDirectory() ? `\`${entry.name}/\`` : `\`${entry.name}\``));
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.filter((entry) => !named.includes(entry))).toEqual([]);
  });

  it('answers each "where to look" question with one or two files that exist', () => {
    const answers = rows(section('Where to look'));
    expect(answers.map(([question]) => question)).toEqual([
      'who may read a field',
      'where a rate limit lives',
      'one step of the saga',
      'adding a subgraph',
      'adding a gateway feature',
      'one variable from the environment to its effect',
    ]);
    for (const [question, answer = ''] of answers) {
      // Files are named in backticks or as links; a link's text repeats its target.
      const files = new Set([...answer.matchAll(/`([\w./<>-]+\.(?:ts|md))`|\]\(([\w./-]+\.md)\)/g)].map((match) => match[1] ?? match[2] ?? ''));
      expect(files.size, `${question}: ${[...files].join(', ')}`).toBeGreaterThanOrEqual(1);
      expect(files.size, `${question}: ${[...files].join(', ')}`).toBeLessThanOrEqual(2);
      for (const file of files) {
        const paths = file.includes('<name>') ? subgraphNames.map((name) => file.replace('<name>', name)) : [file];
        expect(
          paths.filter((path) => !existsSync(join(root, path))),
          question,
        ).toEqual([]);
      }
    }
  });
});

describe('links of the README and docs/', () => {
  it.each([join(root, 'README.md'), ...docs].map((file) => relative(root, file)))('%s links only to files that exist', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '').filter((target) => !/^[a-z]+:/.test(target));
    const missing = targets.filter((target) => {
      const path = target.split('#')[0] ?? '';
      return path !== '' && !existsSync(resolve(dirname(join(root, file)), path));
    });
    expect(missing).toEqual([]);
  });
});
