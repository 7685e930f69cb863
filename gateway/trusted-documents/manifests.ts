// Reads the clients' manifests (Apollo's persisted query manifest format) into one list of trusted
// documents. Used by the gateway at start and by `npm run schema:check`.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { ManifestSource } from './settings.ts';

const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 of body, in hex'),
      name: z.string().min(1),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string().min(1),
    }),
  ),
});

export interface TrustedDocument {
  /** sha256 (hex) of `body`. */
  readonly id: string;
  readonly name: string;
  readonly type: 'query' | 'mutation' | 'subscription';
  readonly body: string;
  /** The clients whose manifests list it. */
  readonly clients: readonly string[];
}

export interface ClientManifest {
  readonly client: string;
  readonly file: string;
  readonly operations: readonly Omit<TrustedDocument, 'clients'>[];
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Reads every manifest the sources name; a directory that does not exist holds none. Throws naming
 * the file. Synchronous: it runs once, while the gateway is put together.
 */
export function readManifests(sources: readonly ManifestSource[]): ClientManifest[] {
  const files: { client: string; file: string }[] = [];
  for (const source of sources) {
    if ('file' in source) {
      files.push(source);
      continue;
    }
    let entries: string[] = [];
    try {
      entries = readdirSync(source.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const entry of entries.filter((name) => name.endsWith('.json')).sort()) {
      files.push({ client: basename(entry, '.json'), file: join(source.directory, entry) });
    }
  }
  return files.map(({ client, file }) => {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) throw new Error(`${file}: not an Apollo persisted query manifest: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    // A tampered or hand-edited entry must not let another text in under a trusted id.
    const wrong = parsed.data.operations.find((operation) => sha256Hex(operation.body) !== operation.id);
    if (wrong) throw new Error(`${file}: the id of ${wrong.name} is not the sha256 of its body`);
    return { client, file, operations: parsed.data.operations };
  });
}

/** Every document of every manifest once, by id, with the clients that ship it. */
export function trustedDocumentsById(manifests: readonly ClientManifest[]): Map<string, TrustedDocument> {
  const byId = new Map<string, TrustedDocument>();
  for (const manifest of manifests) {
    for (const operation of manifest.operations) {
      const known = byId.get(operation.id);
      byId.set(operation.id, { ...operation, clients: [...(known?.clients ?? []), manifest.client] });
    }
  }
  return byId;
}
