// The category tree and its admin changes. Each change commits with its CategoryChanged outbox row, so
// the gateways' entity caches (and any copy of the tree) hear of exactly the changes that happened.
import { CategoryChanged } from '../../../common/contracts/messages/index.ts';
import { ErrorCode, badUserInput, graphQLError, notFound } from '../../../common/errors.ts';
import { isUuid } from '../../../common/loaders.ts';
import type { MessageCause } from '../../../common/messaging/catalogue.ts';
import type { Outbox, Publish } from '../../../common/messaging/outbox-publisher.ts';
import { Prisma, type Category, type PrismaClient } from '../generated/prisma/client.ts';

export const MAX_CATEGORY_NAME_LENGTH = 100;
export const MAX_CATEGORY_SLUG_LENGTH = 64;
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Control characters (newlines, NUL) have no place in a name shown in menus.
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

type Tx = Prisma.TransactionClient;
type Change = 'CREATED' | 'RENAMED' | 'MOVED' | 'DELETED';

export interface CategoryWrite {
  readonly prisma: PrismaClient;
  readonly outbox: Outbox;
  readonly cause: MessageCause;
}

export function checkCategoryName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_CATEGORY_NAME_LENGTH || CONTROL.test(trimmed)) {
    throw badUserInput(`A category name has 1 to ${MAX_CATEGORY_NAME_LENGTH} characters, none of them control characters.`, 'name');
  }
  return trimmed;
}

export function checkCategorySlug(slug: string): string {
  if (slug.length > MAX_CATEGORY_SLUG_LENGTH || !SLUG.test(slug)) {
    throw badUserInput(`A slug has 1 to ${MAX_CATEGORY_SLUG_LENGTH} lower-case letters, digits and single dashes, e.g. "green-tea".`, 'slug');
  }
  return slug;
}

/** "Green Tea & Tisanes" -> "green-tea-tisanes"; accents dropped ("Café" -> "cafe"). */
export function slugFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_CATEGORY_SLUG_LENGTH)
    .replace(/-+$/, '');
  if (slug === '') throw badUserInput('No slug can be made from this name: give one (lower-case letters, digits and dashes).', 'slug');
  return slug;
}

const publishChange = (publish: Publish, category: Category, change: Change) =>
  publish(CategoryChanged, { categoryId: category.id, change, slug: category.slug, name: category.name, parentId: category.parentId });

async function existing(tx: Tx, id: string, field = 'id'): Promise<Category> {
  const category = isUuid(id) ? await tx.category.findUnique({ where: { id } }) : null;
  if (!category) throw field === 'id' ? notFound('Category') : badUserInput(`${field} names no category.`, field);
  return category;
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
const isForeignKeyViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003';

const slugTaken = (slug: string) => graphQLError(ErrorCode.categorySlugTaken, `Another category has the slug "${slug}".`, { field: 'slug' });

/** Moves and creations under a parent take this lock, so two concurrent moves cannot close a cycle between them. */
const lockTree = (tx: Tx) => tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('catalog.category-tree'))`;

async function write<R>({ prisma, outbox, cause }: CategoryWrite, work: (tx: Tx, publish: Publish) => Promise<R>, slug?: string): Promise<R> {
  try {
    return await outbox.transaction(prisma, cause, work);
  } catch (error) {
    if (slug !== undefined && isUniqueViolation(error)) throw slugTaken(slug);
    throw error;
  }
}

export function createCategory(
  context: CategoryWrite,
  input: { readonly name: string; readonly slug?: string | null | undefined; readonly parentId?: string | null | undefined },
): Promise<Category> {
  const name = checkCategoryName(input.name);
  const slug = input.slug ? checkCategorySlug(input.slug) : slugFromName(name);
  return write(
    context,
    async (tx, publish) => {
      if (input.parentId) {
        await lockTree(tx);
        await existing(tx, input.parentId, 'parentId');
      }
      const created = await tx.category.create({ data: { name, slug, parentId: input.parentId ?? null } });
      publishChange(publish, created, 'CREATED');
      return created;
    },
    slug,
  );
}

export function renameCategory(context: CategoryWrite, id: string, input: { readonly name: string; readonly slug?: string | null | undefined }): Promise<Category> {
  const name = checkCategoryName(input.name);
  const slug = input.slug ? checkCategorySlug(input.slug) : undefined;
  return write(
    context,
    async (tx, publish) => {
      await existing(tx, id);
      const renamed = await tx.category.update({ where: { id }, data: { name, ...(slug ? { slug } : {}) } });
      publishChange(publish, renamed, 'RENAMED');
      return renamed;
    },
    slug,
  );
}

/** The category and every category above it, nearest first. */
async function selfAndAncestors(tx: Tx, id: string): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH RECURSIVE up(id, "parentId", depth) AS (
      SELECT id, "parentId", 0 FROM "Category" WHERE id = ${id}::uuid
      UNION ALL
      SELECT c.id, c."parentId", up.depth + 1 FROM "Category" c JOIN up ON c.id = up."parentId" WHERE up.depth < 1000
    )
    SELECT id::text AS id FROM up ORDER BY depth`;
  return rows.map((row) => row.id);
}

export function moveCategory(context: CategoryWrite, id: string, parentId: string | null): Promise<Category> {
  return write(context, async (tx, publish) => {
    await lockTree(tx);
    const category = await existing(tx, id);
    if (parentId !== null) {
      await existing(tx, parentId, 'parentId');
      if ((await selfAndAncestors(tx, parentId)).includes(category.id)) {
        throw graphQLError(ErrorCode.categoryCycle, 'A category cannot move under itself or one of its own subcategories.', { field: 'parentId' });
      }
    }
    if (category.parentId === parentId) return category;
    const moved = await tx.category.update({ where: { id }, data: { parentId } });
    publishChange(publish, moved, 'MOVED');
    return moved;
  });
}

const notEmpty = (products: number, subcategories: number) =>
  graphQLError(ErrorCode.categoryNotEmpty, `The category still holds ${products} product(s) and ${subcategories} subcategory(ies): move or delete them first.`, {
    products,
    subcategories,
  });

export async function deleteCategory(context: CategoryWrite, id: string): Promise<Category> {
  try {
    return await write(context, async (tx, publish) => {
      const category = await existing(tx, id);
      const [products, subcategories] = await Promise.all([tx.product.count({ where: { categoryId: id } }), tx.category.count({ where: { parentId: id } })]);
      if (products > 0 || subcategories > 0) throw notEmpty(products, subcategories);
      await tx.category.delete({ where: { id } });
      publishChange(publish, category, 'DELETED');
      return category;
    });
  } catch (error) {
    // A product or subcategory added by a concurrent transaction after the counts: the foreign key refuses the delete.
    if (isForeignKeyViolation(error)) {
      const [products, subcategories] = await Promise.all([
        context.prisma.product.count({ where: { categoryId: id } }),
        context.prisma.category.count({ where: { parentId: id } }),
      ]);
      throw notEmpty(products, subcategories);
    }
    throw error;
  }
}
