import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, boundedMessage, echoed, isErrorCode } from './errors.ts';

const root = join(import.meta.dirname, '..');
const registry = Object.values(ErrorCode);

/** The codes named in the first column of the "Error codes" table (docs/protection.md, once the README's). */
function documentedCodes(): string[] {
  const doc = readFileSync(join(root, 'docs/protection.md'), 'utf8');
  const section = doc.split(/^## Error codes$/m)[1]?.split(/^#{1,3} /m)[0];
  if (!section) throw new Error('docs/protection.md has no "## Error codes" section');
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] ?? ''));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('the ErrorCode registry', () => {
  it('has one key per code: no code is registered twice', () => {
    expect(new Set(registry).size).toBe(registry.length);
  });

  it('is exactly what the error-code table of docs/protection.md lists', () => {
    const listed = documentedCodes();
    expect(new Set(listed).size, 'a code listed twice in docs/protection.md').toBe(listed.length);
    expect([...listed].sort()).toEqual([...registry].sort());
  });

  it('tells registered codes from anything else read back from storage', () => {
    expect(isErrorCode('CART_CHANGED')).toBe(true);
    expect(isErrorCode('cart_changed')).toBe(false);
    expect(isErrorCode('SOMETHING_ELSE')).toBe(false);
  });

  it('is where the services take their codes from: no code is a string literal elsewhere', () => {
    // The shapes a code is passed in: an extensions object, an HttpError, graphQLError, a cast.
    const literalCode = /code: '[A-Z][A-Z0-9_]+'\s*[,}]|HttpError\(\d{3}, '[A-Z_]+'|graphQLError\('|as ErrorCode/;
    const offenders = ['common', 'gateway', 'subgraphs'].flatMap((dir) =>
      sourceFiles(join(root, dir)).flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, index) => (literalCode.test(line) ? [`${relative(root, file)}:${index + 1}: ${line.trim()}`] : [])),
      ),
    );
    expect(offenders).toEqual([]);
  });
});

describe('echoed input', () => {
  it('bounds strings, lists and objects a client sent, and leaves the rest', () => {
    const long = 'y'.repeat(10_000);
    expect(echoed(long)).toBe(`${'y'.repeat(64)}…`);
    expect(echoed('short')).toBe('short');
    expect(echoed(Array.from({ length: 50 }, () => long))).toEqual(Array.from({ length: 10 }, () => `${'y'.repeat(64)}…`));
    expect(echoed({ productIds: [long], limit: 3 })).toEqual({ productIds: [`${'y'.repeat(64)}…`], limit: 3 });
  });

  it("bounds the values graphql-js quotes in its messages, and any message's length", () => {
    const long = 'z'.repeat(10_000);
    expect(boundedMessage(`Variable "$quantity" got invalid value "${long}"; Int cannot represent non-integer value: "${long}"`)).toBe(
      `Variable "$quantity" got invalid value "${'z'.repeat(64)}…"; Int cannot represent non-integer value: "${'z'.repeat(64)}…"`,
    );
    expect(boundedMessage(`Product ${long} does not exist.`)).toHaveLength(1001);
    expect(boundedMessage('Cannot query field "x" on type "Query".')).toBe('Cannot query field "x" on type "Query".');
  });
});
