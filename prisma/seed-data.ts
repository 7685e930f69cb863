import { createHash } from 'node:crypto';

/**
 * Demo data shared by the seeds of several services. Ids are derived from stable names, so
 * catalog's products and inventory's stock agree without either reading the other's database.
 */
export function stableId(kind: string, name: string): string {
  const hex = createHash('sha1').update(`commerce-supergraph:${kind}:${name}`).digest('hex');
  // Shaped as a version-5 UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export const demoUsers = [
  { email: 'admin@shop.test', password: 'admin-demo-password', name: 'Ada Admin', role: 'ADMIN' },
  { email: 'customer@shop.test', password: 'customer-demo-password', name: 'Casey Customer', role: 'CUSTOMER' },
] as const;

const categories = [
  {
    slug: 'coffee',
    name: 'Coffee',
    items: [
      'Ethiopia Yirgacheffe',
      'Colombia Huila',
      'Kenya AA',
      'Guatemala Antigua',
      'Sumatra Mandheling',
      'House Espresso Blend',
      'Decaf Swiss Water',
      'Brazil Cerrado',
      'Costa Rica Tarrazu',
    ],
  },
  {
    slug: 'tea',
    name: 'Tea',
    items: ['Darjeeling First Flush', 'Assam Breakfast', 'Sencha', 'Jasmine Pearls', 'Earl Grey', 'Rooibos', 'Oolong Tieguanyin', 'Matcha Ceremonial', 'Chamomile'],
  },
  {
    slug: 'brewing',
    name: 'Brewing gear',
    items: ['Pour-over Dripper', 'Paper Filters (100)', 'Gooseneck Kettle', 'French Press 1L', 'AeroPress', 'Cold Brew Jar', 'Moka Pot 6-cup', 'Hand Grinder', 'Digital Scale'],
  },
  {
    slug: 'mugs',
    name: 'Mugs and cups',
    items: ['Stoneware Mug', 'Double-wall Glass', 'Travel Tumbler', 'Espresso Cups (2)', 'Tea Bowl', 'Enamel Camp Mug', 'Latte Bowl', 'Porcelain Teacup', 'Insulated Bottle'],
  },
  {
    slug: 'snacks',
    name: 'Snacks',
    items: ['Almond Biscotti', 'Dark Chocolate 70%', 'Shortbread Tin', 'Stroopwafels', 'Oat Cookies', 'Candied Ginger', 'Sea Salt Caramels', 'Hazelnut Wafers', 'Matcha Cookies'],
  },
  {
    slug: 'gifts',
    name: 'Gift sets',
    items: ['Coffee Sampler', 'Tea Sampler', 'Brew Starter Kit', 'Barista Set', 'Afternoon Tea Box', 'Gift Card Box', 'Cold Brew Kit', 'Espresso Lover Set', 'Tea Ceremony Set'],
  },
] as const;

export interface DemoCategory {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}
export interface DemoProduct {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly description: string;
  readonly priceAmount: number;
  readonly categoryId: string;
  readonly stock: number;
}

export const demoCategories: DemoCategory[] = categories.map(({ slug, name }) => ({ id: stableId('category', slug), slug, name }));

export const demoProducts: DemoProduct[] = categories.flatMap(({ slug, name: categoryName, items }, categoryIndex) =>
  items.map((name, index) => {
    const sku = `${slug.slice(0, 3).toUpperCase()}-${String(index + 1).padStart(3, '0')}`;
    return {
      id: stableId('product', sku),
      sku,
      name,
      description: `${name}, from our ${categoryName.toLowerCase()} range.`,
      priceAmount: 499 + (((categoryIndex * 9 + index) * 347) % 4500),
      categoryId: stableId('category', slug),
      // A few items are sold out so the storefront shows both states.
      stock: index === 8 ? 0 : 5 + (((categoryIndex + 1) * (index + 3) * 7) % 60),
    };
  }),
);
