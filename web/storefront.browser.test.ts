// The storefront in a real Chromium (playwright-core driving Debian's chromium) against a whole
// supergraph on embedded defaults, through the storefront's own static server: the production
// bundle, as a customer and an admin use it. Screenshots go to test-results/screenshots/.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { demoUsers } from '../prisma/seed-data.ts';
import { createShopClient, LogInDocument, ShipOrderDocument } from '../sdk/index.ts';
import type { PrismaClient } from '../subgraphs/accounts/generated/prisma/client.ts';
import { accessibilityProblems, launchChromium, screenshot } from './test/browser.ts';
import { startStorefront, type StorefrontUnderTest } from './test/storefront-under-test.ts';

// Short-lived access tokens, so sessions in this file outlive several of them (renewal on the way),
// and the renewal test waits one out. Above the storefront's 5 s renewal margin, so a fresh token is
// used for a while before it is renewed.
const TOKEN_TTL_SECONDS = 10;
const LIVE = { timeout: 90_000 };
const JS_BUDGET_BYTES = 200 * 1024;

let storefront: StorefrontUnderTest;
let browser: Browser;
let customer: BrowserContext;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  // As in production: only trusted documents run (the storefront sends their ids).
  [storefront, browser] = await Promise.all([startStorefront({ JWT_TTL_SECONDS: String(TOKEN_TTL_SECONDS), PERSISTED_DOCUMENTS: 'require' }), launchChromium()]);
  customer = await browser.newContext();
  page = await customer.newPage();
  page.setDefaultTimeout(60_000);
  page.on('response', (response) => {
    if (!response.url().endsWith('/graphql')) return;
    const operation = /"operationName":"(\w+)"/.exec(response.request().postData() ?? '')?.[1];
    traffic.push(`${new Date().toISOString()} ${operation} ${response.status()}`);
  });
  page.on('console', (message) => traffic.push(`${new Date().toISOString()} console.${message.type()}: ${message.text()}`));
}, 240_000);
// What the customer's page asked and heard, printed with a screenshot when a test fails.
const traffic: string[] = [];
beforeEach(({ task }) => {
  traffic.length = 0;
  onTestFailed(async () => {
    await screenshot(page, `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
    console.error(`${task.name}: the customer's GraphQL traffic\n${traffic.join('\n')}`);
  });
});
afterAll(async () => {
  await browser?.close();
  await storefront?.stop();
});

/** Screenshot and Lighthouse-style basics for the page as it is now. */
async function visited(target: Page, name: string): Promise<void> {
  await screenshot(target, name);
  problems.push(...(await accessibilityProblems(target)).map((problem) => `${name}: ${problem}`));
}

const nav = (target: Page) => target.getByRole('navigation', { name: 'Main' });

async function signUp(target: Page, name: string): Promise<string> {
  const email = `shopper-${randomUUID()}@shop.test`;
  await nav(target).getByRole('link', { name: 'Sign up' }).click();
  await target.getByLabel('Name').fill(name);
  await target.getByLabel('Email').fill(email);
  await target.getByLabel(/^Password/).fill('correct horse battery');
  await target.getByRole('button', { name: 'Sign up' }).click();
  await target.getByRole('heading', { name: `Hello, ${name}` }).waitFor();
  return email;
}

async function addToCart(target: Page, productName: string, quantity = 1): Promise<void> {
  await nav(target).getByRole('link', { name: 'Catalog' }).click();
  await target.getByLabel('Search by name').fill(productName);
  await target.getByRole('button', { name: 'Search' }).click();
  await target.getByRole('link', { name: productName, exact: true }).click();
  await target.getByRole('heading', { name: productName }).waitFor();
  await target.getByLabel('Quantity').fill(String(quantity));
  await target.getByRole('button', { name: 'Add to cart' }).click();
  await target.getByRole('status').getByText('Added.').waitFor();
}

const cartCount = async (target: Page) => Number(await target.getByTestId('cart-count').textContent());
const orderStatus = (target: Page) => target.getByTestId('order-status');

describe('the storefront in Chromium', () => {
  it('serves a catalog page whose JavaScript stays under 200 kB gzipped, hashed assets cached for a year', async () => {
    const scripts: string[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push(new URL(response.url()).pathname);
    });
    await page.goto(storefront.url);
    await page.getByRole('list', { name: 'Products' }).getByRole('listitem').first().waitFor();
    expect(scripts.length).toBeGreaterThan(0);
    let gzipped = 0;
    for (const script of scripts) gzipped += gzipSync(await readFile(join(storefront.distDir, script))).length;
    expect(gzipped).toBeLessThan(JS_BUDGET_BYTES);

    const asset = await fetch(new URL(scripts[0]!, storefront.url));
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const shell = await fetch(new URL('/orders/anything', storefront.url));
    expect(shell.status).toBe(200);
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    expect(shell.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(new URL('/assets/missing.js', storefront.url))).status).toBe(404);
    expect((await fetch(new URL('/../../package.json', storefront.url))).status).not.toBe(200);
  });

  it('browses: category filter, search by name, cursor pagination', async () => {
    await page.getByLabel('Category').selectOption('coffee');
    await page.getByText('9 products').waitFor();
    const cards = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
    expect(await cards.count()).toBe(8);
    await expect
      .poll(() =>
        cards
          .first()
          .getByText(/in stock$/)
          .count(),
      )
      .toBe(1);
    await visited(page, 'catalog');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await expect.poll(() => cards.count()).toBe(1);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => cards.count()).toBe(8);

    await page.getByLabel('Category').selectOption('');
    await page.getByLabel('Search by name').fill('Matcha');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Matcha Cookies' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Kenya AA' }).count()).toBe(0);
  });

  it('signs up, fills a cart, pays with tok_visa and watches the order live until it is delivered', async () => {
    await signUp(page, 'Ada Shopper');
    await visited(page, 'account-new');
    await addToCart(page, 'Kenya AA');
    await visited(page, 'product');
    await addToCart(page, 'AeroPress', 2);
    await expect.poll(() => cartCount(page)).toBe(3);

    await nav(page).getByRole('link', { name: /^Cart/ }).click();
    await page.getByRole('spinbutton', { name: 'Quantity of Kenya AA' }).fill('2');
    await expect.poll(() => cartCount(page)).toBe(4);
    await page.getByRole('button', { name: 'Remove AeroPress' }).waitFor();
    await visited(page, 'cart');

    await page.getByRole('link', { name: 'Checkout' }).click();
    await expect(page.getByLabel('Visa •••• 4242 (succeeds)').isChecked()).resolves.toBe(true);
    await visited(page, 'checkout');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/orders\//);
    const orderId = new URL(page.url()).pathname.split('/')[2]!;
    // A marker in this document: if it is still there later, nothing was reloaded.
    await page.evaluate(() => ((globalThis as { sameDocument?: boolean }).sameDocument = true));
    const sameDocument = () => page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument === true);

    await orderStatus(page).getByText('CONFIRMED').waitFor(LIVE);
    expect(await sameDocument()).toBe(true);
    // The order exists: its lines left the cart.
    await expect.poll(() => cartCount(page)).toBe(0);
    await visited(page, 'order-confirmed');

    // The admin ships it from another browser.
    const admin = await browser.newContext();
    const adminPage = await admin.newPage();
    adminPage.setDefaultTimeout(60_000);
    await adminPage.goto(`${storefront.url}/login?next=${encodeURIComponent(`/admin?order=${orderId}`)}`);
    await adminPage.getByLabel('Email').fill('admin@shop.test');
    await adminPage.getByLabel('Password').fill('admin-demo-password');
    await adminPage.getByRole('button', { name: 'Log in' }).click();
    await adminPage.getByRole('heading', { name: 'Admin: orders' }).waitFor();
    await adminPage.getByRole('button', { name: 'Find' }).click();
    await adminPage.getByTestId('admin-order-status').getByText('CONFIRMED').waitFor();
    await adminPage.getByLabel('Carrier').selectOption('DHL');
    await visited(adminPage, 'admin');
    await adminPage.getByRole('button', { name: 'Ship order' }).click();
    await adminPage.getByTestId('admin-order-status').getByText('SHIPPED').waitFor();

    // The customer's page moves by itself, and the header's unread badge counts the news.
    await orderStatus(page).getByText('SHIPPED').waitFor(LIVE);
    await page.getByText(/^SHIPPED · DHL DHL-/).waitFor(LIVE);
    expect(await sameDocument()).toBe(true);
    // Received, confirmed, shipped: the header counts the new notification without a reload.
    await page.getByTestId('unread-badge').getByText('3', { exact: true }).waitFor(LIVE);
    await visited(page, 'order-shipped');

    await nav(page)
      .getByRole('link', { name: /^Account/ })
      .click();
    await page
      .getByText(/^Order .+ shipped$/)
      .first()
      .waitFor(LIVE);
    await page.getByRole('cell', { name: 'SHIPPED', exact: true }).first().waitFor();
    await visited(page, 'account');

    await page
      .getByRole('link', { name: /Kenya AA/ })
      .first()
      .click();
    await orderStatus(page).getByText('SHIPPED').waitFor();
    await adminPage.getByRole('button', { name: 'Mark delivered' }).click();
    await adminPage.getByTestId('admin-order-status').getByText('DELIVERED').waitFor();
    await orderStatus(page).getByText('DELIVERED').waitFor(LIVE);
    expect(await sameDocument()).toBe(true);
    await admin.close();
    expect(problems).toEqual([]);
  });

  it('shows a declined card clearly and gives the cart back for another try', async () => {
    await addToCart(page, 'Sencha');
    await nav(page).getByRole('link', { name: /^Cart/ }).click();
    await page.getByRole('link', { name: 'Checkout' }).click();
    await page.getByLabel('Visa •••• 0002 (declined)').check();
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/orders\//);
    const alert = page.getByRole('alert').filter({ hasText: 'Payment declined.' });
    await alert.waitFor(LIVE);
    expect(await alert.textContent()).toContain('Your card was declined.');
    await orderStatus(page).getByText('CANCELLED').waitFor();
    await visited(page, 'order-declined');
    // The saga cancelled the order: the cart has its lines again, ready for another card.
    await page.getByRole('link', { name: 'Try another card' }).click();
    await page.getByText('1 × Sencha').waitFor(LIVE);
    await expect.poll(() => cartCount(page), LIVE).toBe(1);
    expect(problems).toEqual([]);
  });

  it('renews an expired access token without losing the cart or the live order, and log-out revokes the session', async () => {
    const context = await browser.newContext();
    const shopper = await context.newPage();
    shopper.setDefaultTimeout(60_000);
    let renewals = 0;
    let subscriptions = 0;
    shopper.on('request', (request) => {
      if (request.postData()?.includes('"operationName":"ResumeSession"')) renewals += 1;
      if (request.postData()?.includes('"operationName":"StorefrontOrderStatus"')) subscriptions += 1;
    });
    await shopper.goto(storefront.url);
    const email = await signUp(shopper, 'Tess Token');
    await addToCart(shopper, 'Earl Grey');
    await nav(shopper).getByRole('link', { name: /^Cart/ }).click();
    await shopper.getByRole('link', { name: 'Checkout' }).click();
    await shopper.getByRole('button', { name: 'Place order' }).click();
    await shopper.waitForURL(/\/orders\//);
    const orderId = new URL(shopper.url()).pathname.split('/')[2]!;
    await orderStatus(shopper).getByText('CONFIRMED').waitFor(LIVE);
    await addToCart(shopper, 'Rooibos', 2);
    await nav(shopper)
      .getByRole('link', { name: /^Account/ })
      .click();
    await shopper.getByRole('link', { name: '1 × Earl Grey' }).click();
    await orderStatus(shopper).getByText('CONFIRMED').waitFor();

    // A second browser whose clock stands still: it never sees its token expire, so it sends an
    // expired one and must renew on the gateway's 401.
    const stalled = await (await browser.newContext()).newPage();
    stalled.setDefaultTimeout(60_000);
    const refusals: number[] = [];
    let stalledRenewals = 0;
    stalled.on('response', (response) => {
      if (response.status() === 401) refusals.push(401);
    });
    stalled.on('request', (request) => {
      if (request.postData()?.includes('"operationName":"ResumeSession"')) stalledRenewals += 1;
    });
    await stalled.goto(storefront.url);
    await stalled.clock.setFixedTime(new Date());
    // Chosen before signing up: the basket joins the new account's cart.
    await addToCart(stalled, 'Sencha', 2);
    await signUp(stalled, 'Stella Stalled');
    // Both pages' tokens so far, and the shopper's order stream, were issued before this moment.
    const issuedBy = Date.now();
    await expect.poll(() => cartCount(stalled)).toBe(2);

    // Outlive the access tokens (their `exp` plus the gateway's 5 s clock tolerance, and a second):
    // the gateway ends the order's stream at `exp`; the page renews the session and subscribes again.
    await shopper.waitForTimeout(Math.max(0, issuedBy + (TOKEN_TTL_SECONDS + 6) * 1000 - Date.now()));
    await nav(stalled).getByRole('link', { name: /^Cart/ }).click();
    await nav(stalled)
      .getByRole('link', { name: /^Account/ })
      .click();
    await stalled.getByRole('heading', { name: 'Hello, Stella Stalled' }).waitFor();
    expect(await cartCount(stalled)).toBe(2);
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(stalledRenewals).toBeGreaterThanOrEqual(1);
    await stalled.context().close();
    // The admin ships it through the SDK (by persisted id: the gateway runs trusted documents only).
    const adminDemo = demoUsers.find((user) => user.role === 'ADMIN')!;
    const anonymous = createShopClient({ url: storefront.supergraph.gatewayUrl, persisted: true });
    const { logIn } = await anonymous.request(LogInDocument, { input: { email: adminDemo.email, password: adminDemo.password } });
    const admin = createShopClient({ url: storefront.supergraph.gatewayUrl, persisted: true, token: logIn.token });
    expect((await admin.request(ShipOrderDocument, { orderId, carrier: 'UPS' })).shipOrder.status).toBe('SHIPPED');
    await orderStatus(shopper).getByText('SHIPPED').waitFor(LIVE);
    expect(renewals).toBeGreaterThanOrEqual(1);
    // The first stream ended with the token; the page subscribed again with the renewed one.
    expect(subscriptions).toBeGreaterThanOrEqual(2);

    await nav(shopper)
      .getByRole('link', { name: /^Account/ })
      .click();
    await shopper.getByRole('cell', { name: 'SHIPPED', exact: true }).waitFor();
    expect(await cartCount(shopper)).toBe(2);

    const accounts = storefront.supergraph.subgraphs['accounts']!.prisma as PrismaClient;
    const user = await accounts.user.findUniqueOrThrow({ where: { email } });
    expect(await accounts.refreshToken.count({ where: { userId: user.id, revokedAt: null, usedAt: null } })).toBe(1);
    await nav(shopper).getByRole('button', { name: 'Log out' }).click();
    await nav(shopper).getByRole('link', { name: 'Log in' }).waitFor();
    await expect.poll(() => accounts.refreshToken.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
    // Signed out, the account's cart is not on show to the next person at this browser.
    await expect.poll(() => cartCount(shopper)).toBe(0);
    await context.close();
  });

  it('keeps the customer signed in across a reload and in a new tab, and two tabs refreshing at once both stay signed in', async () => {
    const context = await browser.newContext();
    const first = await context.newPage();
    first.setDefaultTimeout(60_000);
    await first.goto(storefront.url);
    await signUp(first, 'Rita Reload');
    await addToCart(first, 'Earl Grey');
    await first.reload();
    await nav(first).getByRole('button', { name: 'Log out' }).waitFor();
    await expect.poll(() => cartCount(first)).toBe(1);
    await nav(first).getByRole('link', { name: /^Cart/ }).click();
    await first.getByRole('link', { name: 'Checkout' }).click();
    await first.getByRole('button', { name: 'Place order' }).click();
    await first.waitForURL(/\/orders\//);
    const orderUrl = first.url();
    // A new tab opens the order page signed in.
    const second = await context.newPage();
    second.setDefaultTimeout(60_000);
    await second.goto(orderUrl);
    await orderStatus(second).waitFor();
    expect(await second.getByText('You must be signed in.').count()).toBe(0);
    // Both tabs reload at once: each resumes from the same cookie, and both stay signed in.
    await Promise.all([first.reload(), second.reload()]);
    await Promise.all([nav(first).getByRole('button', { name: 'Log out' }).waitFor(), nav(second).getByRole('button', { name: 'Log out' }).waitFor()]);
    await orderStatus(second).waitFor();
    // The page never holds the refresh token: the browser keeps it HttpOnly, for /graphql only.
    expect((await context.cookies()).find((cookie) => cookie.name === 'session_refresh')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/graphql' });
    await context.close();
  });

  it('still renders the catalog and the product page, without stock, while inventory is down', async () => {
    await storefront.supergraph.stopSubgraph('inventory');
    try {
      await nav(page).getByRole('link', { name: 'Catalog' }).click();
      await page.getByLabel('Category').selectOption('snacks');
      await page.getByText('9 products').waitFor();
      await page
        .getByRole('status')
        .getByText(/unavailable right now/)
        .waitFor();
      const cards = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
      expect(await cards.count()).toBe(8);
      expect(await cards.getByText('Stock unavailable').count()).toBe(8);
      await visited(page, 'catalog-inventory-down');
      await page.getByRole('link', { name: 'Almond Biscotti' }).click();
      await page.getByRole('heading', { name: 'Almond Biscotti' }).waitFor();
      await page.getByText('Stock unavailable').waitFor();
      expect(await page.getByRole('button', { name: 'Add to cart' }).isEnabled()).toBe(true);
    } finally {
      await storefront.supergraph.startSubgraph('inventory');
    }
    expect(problems).toEqual([]);
  });

  // Last: it spends this address's log-in budget.
  it('shows the wait the gateway asks for when it answers 429', async () => {
    const context = await browser.newContext();
    const guesser = await context.newPage();
    guesser.setDefaultTimeout(60_000);
    const retryAfters: number[] = [];
    guesser.on('response', (response) => {
      if (response.status() === 429) retryAfters.push(Number(response.headers()['retry-after']));
    });
    await guesser.goto(`${storefront.url}/login`);
    await guesser.getByLabel('Email').fill('customer@shop.test');
    await guesser.getByLabel('Password').fill('a wrong guess');
    const banner = guesser.getByTestId('rate-limited');
    for (let attempt = 0; attempt < 30 && !(await banner.isVisible()); attempt += 1) {
      await guesser.getByRole('button', { name: 'Log in' }).click();
      await guesser.getByRole('alert').first().waitFor();
    }
    await banner.waitFor();
    expect(retryAfters.length).toBeGreaterThan(0);
    expect(retryAfters.every((seconds) => seconds > 0)).toBe(true);
    const seconds = Number((await banner.textContent())?.match(/wait (\d+) s/)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    // Counted down from a refusal's Retry-After (the last one's 'response' event may reach the test after the page).
    await expect.poll(() => Math.max(...retryAfters)).toBeGreaterThanOrEqual(seconds);
    await visited(guesser, 'rate-limited');
    await context.close();
    expect(problems).toEqual([]);
  });
});
