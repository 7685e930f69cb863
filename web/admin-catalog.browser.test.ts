// The storefront's /admin/catalog in a real Chromium, as an administrator uses it after going live
// (docs/going-live.md): the category tree built, renamed, moved and pruned, a product created with
// its first stock, and that product found by a shopper in another browser. Trusted documents only, as
// in production.
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, launchChromium, screenshot } from './test/browser.ts';
import { startStorefront, type StorefrontUnderTest } from './test/storefront-under-test.ts';

let storefront: StorefrontUnderTest;
let browser: Browser;
let admin: Page;

beforeAll(async () => {
  [storefront, browser] = await Promise.all([startStorefront({ PERSISTED_DOCUMENTS: 'require' }), launchChromium()]);
  admin = await (await browser.newContext()).newPage();
  admin.setDefaultTimeout(60_000);
  // The page asks before deleting a category.
  admin.on('dialog', (dialog) => void dialog.accept());
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await storefront?.stop();
});

const suffix = randomBytes(3).toString('hex');
const categoryItem = (page: Page, name: string) => page.getByTestId('admin-category').filter({ has: page.locator('strong').getByText(name, { exact: true }) });

describe('/admin/catalog', () => {
  it('is for admins only', async () => {
    const anonymous = await (await browser.newContext()).newPage();
    await anonymous.goto(`${storefront.url}/admin/catalog`);
    await expect(anonymous.getByRole('alert').textContent()).resolves.toContain('This page is for admins');
    await anonymous.context().close();
  });

  it('lets an admin build the category tree, add a product with stock, and a shopper find it', async () => {
    await admin.goto(`${storefront.url}/login?next=${encodeURIComponent('/admin/catalog')}`);
    await admin.getByLabel('Email').fill('admin@shop.test');
    await admin.getByLabel('Password').fill('admin-demo-password');
    await admin.getByRole('button', { name: 'Log in' }).click();
    await admin.getByRole('heading', { name: 'Admin: catalog' }).waitFor();

    const parent = `Loose Leaf ${suffix}`;
    const child = `Oolong ${suffix}`;
    const newCategory = admin.getByRole('form', { name: 'New category' });
    await newCategory.getByLabel('New category').fill(parent);
    await newCategory.getByRole('button', { name: 'Create category' }).click();
    await categoryItem(admin, parent).waitFor();
    await newCategory.getByLabel('New category').fill(child);
    await newCategory.getByLabel('Under').selectOption({ label: parent });
    await newCategory.getByRole('button', { name: 'Create category' }).click();
    await categoryItem(admin, child).waitFor();
    // A subcategory is listed, indented, after its parent.
    const names = await admin.getByTestId('admin-category').locator('strong').allTextContents();
    expect(names.indexOf(child)).toBe(names.indexOf(parent) + 1);

    const renamed = `Oolong Reserve ${suffix}`;
    const rename = admin.getByRole('form', { name: `Rename category ${child}` });
    await rename.getByLabel('Name').fill(renamed);
    await rename.getByRole('button', { name: 'Rename' }).click();
    await categoryItem(admin, renamed).waitFor();

    // The parent holds the subcategory: refused, and said why.
    await categoryItem(admin, parent).getByRole('button', { name: 'Delete' }).click();
    await categoryItem(admin, parent)
      .getByRole('alert')
      .getByText(/still holds 0 product\(s\) and 1 subcategory/)
      .waitFor();

    const product = admin.getByRole('form', { name: 'New product' });
    await product.getByLabel('SKU').fill(`OOLONG-${suffix}`);
    await product.getByLabel('Name').fill(`Milk Oolong ${suffix}`);
    await product.getByLabel('Description').fill('Creamy, floral, rolled by hand.');
    await product.getByLabel('Price (USD)').fill('18.50');
    await product.getByLabel('Category').selectOption({ label: `\u00a0\u00a0${renamed}` });
    await product.getByLabel('Units in stock').fill('7');
    await product.getByRole('button', { name: 'Create product' }).click();
    await product.getByRole('status').getByText(`Created Milk Oolong ${suffix} at $18.50 in ${renamed}, 7 in stock.`).waitFor();
    await screenshot(admin, 'admin-catalog');
    expect(await accessibilityProblems(admin)).toEqual([]);

    // Moved to the top level, the parent is empty and goes.
    const move = admin.getByRole('form', { name: `Move category ${renamed}` });
    await move.getByLabel('Parent').selectOption({ label: '(top level)' });
    await move.getByRole('button', { name: 'Move' }).click();
    await categoryItem(admin, parent).getByRole('button', { name: 'Delete' }).click();
    await categoryItem(admin, parent).waitFor({ state: 'detached' });

    const shopper = await (await browser.newContext()).newPage();
    await shopper.goto(`${storefront.url}/?category=oolong-${suffix}`);
    await shopper.getByRole('list', { name: 'Products' }).getByText(`Milk Oolong ${suffix}`).waitFor();
    await shopper.context().close();
  });
});
