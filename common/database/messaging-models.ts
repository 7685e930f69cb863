// The OutboxMessage and InboxMessage models are written once, in prisma/messaging.prisma, and copied
// into each service's schema.prisma between two markers: Prisma Migrate, `prisma generate` and every
// tool keep reading one self-contained file per service. The begin marker names the models the
// service takes; `syncMessagingModels` rewrites what follows it from the source.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from './paths.ts';

export const MESSAGING_MODELS_PATH = path.join(projectRoot, 'prisma', 'messaging.prisma');

const BEGIN = /^\/\/ ---- ([A-Za-z, ]+): copied from prisma\/messaging\.prisma by `npm run prisma:messaging` \(edit them there\) ----$/m;
const END = '// ---- end of the models from prisma/messaging.prisma ----';

const beginMarker = (models: readonly string[]) => `// ---- ${models.join(', ')}: copied from prisma/messaging.prisma by \`npm run prisma:messaging\` (edit them there) ----`;

/** `model <name> { … }` blocks of the source, each with the comment lines right above it. */
export function messagingModels(source: string): Map<string, string> {
  const models = new Map<string, string>();
  for (const match of source.matchAll(/((?:^\/\/[^\n]*\n)*)^model (\w+) \{[^}]*\}$/gm)) models.set(match[2] ?? '', match[0]);
  return models;
}

/**
 * The schema with the block after its begin marker rewritten from `source`; unchanged when it has no
 * marker. Throws for a marker naming a model the source does not have.
 */
export function syncMessagingModels(schema: string, source: string, schemaName = 'schema'): string {
  const begin = BEGIN.exec(schema);
  if (!begin) return schema;
  const wanted = (begin[1] ?? '').split(',').map((name) => name.trim());
  const models = messagingModels(source);
  const blocks = wanted.map((name) => {
    const model = models.get(name);
    if (!model) throw new Error(`${schemaName}: prisma/messaging.prisma has no model ${name}`);
    return model;
  });
  const end = schema.indexOf(END, begin.index);
  if (end < 0) throw new Error(`${schemaName}: no "${END}" after the messaging models`);
  const block = [beginMarker(wanted), ...blocks.flatMap((model, index) => (index === 0 ? [model] : ['', model])), END].join('\n');
  return schema.slice(0, begin.index) + block + schema.slice(end + END.length);
}

export const readMessagingModels = (): Promise<string> => readFile(MESSAGING_MODELS_PATH, 'utf8');
