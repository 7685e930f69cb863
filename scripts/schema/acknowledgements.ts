import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Where the breaking changes made on purpose are listed, relative to the repository root. */
export const ACKNOWLEDGEMENTS_FILE = 'schema-checks/acknowledged.yaml';

const entrySchema = z
  .object({
    /** The changed schema coordinate as the report shows it, e.g. `Product.sku` or `Query.products.first`. */
    path: z.string().min(1).optional(),
    /** The change type as the report shows it, e.g. `FIELD_REMOVED`; any type at `path` when left out. */
    type: z.string().min(1).optional(),
    /** The report's message, word for word; for a change without a path. */
    message: z.string().min(1).optional(),
    /** Why breaking the clients that use it is fine: who was told, what they use instead. */
    reason: z.string().trim().min(10, 'give a reason (10 characters or more): who is affected and why it is fine'),
  })
  .strict()
  .refine((entry) => entry.path !== undefined || entry.message !== undefined, { message: 'an entry needs a path or a message' });

const fileSchema = z.object({ acknowledged: z.array(entrySchema).nullish() }).strict();

export type Acknowledgement = z.infer<typeof entrySchema>;

export interface AcknowledgedChange {
  readonly path?: string | undefined;
  readonly type: string;
  readonly message: string;
}

/** Whether `entry` acknowledges `change`: every field the entry gives is the change's. */
export function acknowledges(entry: Acknowledgement, change: AcknowledgedChange): boolean {
  return (
    (entry.path === undefined || entry.path === change.path) &&
    (entry.type === undefined || entry.type === change.type) &&
    (entry.message === undefined || entry.message === change.message)
  );
}

/** Reads the acknowledgements; a missing file acknowledges nothing, a malformed one is an error naming the entry. */
export async function readAcknowledgements(path: string): Promise<Acknowledgement[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return [];
  const parsed = fileSchema.safeParse(parseYaml(text) ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new Error(`${path} is not valid: ${problems.join('; ')}`);
  }
  return parsed.data.acknowledged ?? [];
}
