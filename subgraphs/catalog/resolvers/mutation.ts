import { ProductUpserted } from '../../../common/contracts/messages/index.ts';
import { ErrorCode, badUserInput, graphQLError, notFound } from '../../../common/errors.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { MutationResolvers } from '../generated/graphql.ts';
import type { CatalogContext } from '../context.ts';
import { createCategory, deleteCategory, moveCategory, renameCategory, type CategoryWrite } from '../domain/categories.ts';
import { productUpserted } from '../domain/product-events.ts';

function checkPrice(amount: number | null | undefined): void {
  if (amount !== null && amount !== undefined && (!Number.isInteger(amount) || amount < 0)) {
    throw badUserInput('priceAmount is a whole number of minor units, 0 or more.', 'priceAmount');
  }
}

function checkText(value: string | null | undefined, field: string, max: number): void {
  if (value !== null && value !== undefined && (value.trim().length === 0 || value.length > max)) {
    throw badUserInput(`${field} has 1 to ${max} characters.`, field);
  }
}

async function requireCategory(id: string, { loaders }: CatalogContext): Promise<void> {
  if (!(await loaders.categoryById.load(id))) throw badUserInput('categoryId names no category.', 'categoryId');
}

const categoryWrite = ({ prisma, outbox, requestId }: CatalogContext): CategoryWrite => ({ prisma, outbox, cause: { requestId } });

export const Mutation: MutationResolvers = {
  createCategory: (_parent, { input }, context) => createCategory(categoryWrite(context), input),
  renameCategory: (_parent, { id, name, slug }, context) => renameCategory(categoryWrite(context), id, { name, slug }),
  moveCategory: (_parent, { id, parentId }, context) => moveCategory(categoryWrite(context), id, parentId ?? null),
  deleteCategory: (_parent, { id }, context) => deleteCategory(categoryWrite(context), id),

  async createProduct(_parent, { input }, context) {
    checkText(input.sku, 'sku', 64);
    checkText(input.name, 'name', 200);
    checkText(input.description, 'description', 5000);
    checkPrice(input.priceAmount);
    const currency = input.currency ?? 'USD';
    if (!/^[A-Z]{3}$/.test(currency)) throw badUserInput('currency is an ISO-4217 code such as USD.', 'currency');
    await requireCategory(input.categoryId, context);
    try {
      return await context.outbox.transaction(context.prisma, { requestId: context.requestId }, async (tx, publish) => {
        const created = await tx.product.create({
          data: {
            sku: input.sku.trim(),
            name: input.name.trim(),
            description: input.description,
            priceAmount: input.priceAmount,
            priceCurrency: currency,
            categoryId: input.categoryId,
          },
        });
        publish(ProductUpserted, productUpserted(created));
        return created;
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw graphQLError(ErrorCode.badUserInput, 'A product with this SKU already exists.', { field: 'sku' });
      }
      throw error;
    }
  },

  async updateProduct(_parent, { id, input }, context) {
    if (!(await context.loaders.productById.load(id))) throw notFound('Product');
    checkText(input.name, 'name', 200);
    checkText(input.description, 'description', 5000);
    checkPrice(input.priceAmount);
    if (input.categoryId) await requireCategory(input.categoryId, context);
    return context.outbox.transaction(context.prisma, { requestId: context.requestId }, async (tx, publish) => {
      const updated = await tx.product.update({
        where: { id },
        data: {
          ...(input.name ? { name: input.name.trim() } : {}),
          ...(input.description ? { description: input.description } : {}),
          ...(input.priceAmount !== null && input.priceAmount !== undefined ? { priceAmount: input.priceAmount } : {}),
          ...(input.categoryId ? { categoryId: input.categoryId } : {}),
        },
      });
      publish(ProductUpserted, productUpserted(updated));
      return updated;
    });
  },
};
