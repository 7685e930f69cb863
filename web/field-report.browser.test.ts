// The storefront defects of the field report (issue 25), each as the shopper met it, in Chromium
// against the production bundle on its own supergraph (trusted documents required, as in production).
// Where a defect is a race (a request still in flight), the test holds that request at the browser's
// network layer (Playwright's page.route) until the moment that shows it, so no test waits on timing.
import { randomUUID } from 'node:crypto';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// requestAnimationFrame, as the page's code calls it (the tests' own type-check has no DOM library).
declare function requestAnimationFrame(callback: () => void): number;
import { AddToCartDocument, CartDocument, createShopClient, PlaceOrderDocument, SignUpDocument, StorefrontProductsDocument } from '../sdk/index.ts';
import { launchChromium, screenshot } from './test/browser.ts';
import { startStorefront, type StorefrontUnderTest } from './test/storefront-under-test.ts';

const LIVE = { timeout: 90_000 };
const PASSWORD = 'correct horse battery';
/** More than the account page's first page of orders (10). */
const ORDER_COUNT = 12;

let storefront: StorefrontUnderTest;
let browser: Browser;

interface Customer {
  readonly name: string;
  readonly email: string;
  readonly orderIds: readonly string[];
}
let historian: Customer;

/** A customer made through the SDK (by persisted id: the gateway runs trusted documents only). */
async function newCustomer(name: string) {
  const email = `shopper-${randomUUID()}@shop.test`;
  const anonymous = createShopClient({ url: storefront.supergraph.gatewayUrl, persisted: true });
  const { signUp } = await anonymous.request(SignUpDocument, { input: { name, email, password: PASSWORD } });
  const client = createShopClient({ url: storefront.supergraph.gatewayUrl, persisted: true, token: signUp.token });
  return { name, email, client };
}

async function productId(name: string): Promise<string> {
  const anonymous = createShopClient({ url: storefront.supergraph.gatewayUrl, persisted: true });
  const { products } = await anonymous.request(StorefrontProductsDocument, { first: 5, filter: { search: name } });
  const product = products.edges.find(({ node }) => node.name === name);
  if (!product) throw new Error(`no product named ${name}`);
  return product.node.id;
}

beforeAll(async () => {
  [storefront, browser] = await Promise.all([startStorefront({ PERSISTED_DOCUMENTS: 'require' }), launchChromium()]);
  // A customer with more orders than one page shows (declined cards: orders without stock to keep).
  const { name, email, client } = await newCustomer('Hattie History');
  const rooibos = await productId('Rooibos');
  const orderIds: string[] = [];
  for (let n = 0; n < ORDER_COUNT; n += 1) {
    const { placeOrder } = await client.request(PlaceOrderDocument, {
      input: { items: [{ productId: rooibos, quantity: 1 }], paymentToken: 'tok_chargeDeclined' },
      idempotencyKey: randomUUID(),
    });
    orderIds.push(placeOrder.id);
  }
  historian = { name, email, orderIds };
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await storefront?.stop();
});

/** A fresh browser profile (no session, no basket) and its page. */
async function freshPage(): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  return page;
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const cartCount = async (page: Page) => Number(await page.getByTestId('cart-count').textContent());
const operationOf = (route: Route) => /"operationName":"(\w+)"/.exec(route.request().postData() ?? '')?.[1];

/** Fills in the log-in form the page shows, and waits until signed in. */
async function logInOnForm(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await nav(page).getByRole('button', { name: 'Log out' }).waitFor();
}

/** Logs in, then `next` (the account page unless told) comes up, as after any log-in. */
async function logIn(page: Page, email: string, next = '/account'): Promise<void> {
  await page.goto(`${storefront.url}/login?next=${encodeURIComponent(next)}`);
  await logInOnForm(page, email);
}

describe('the field report, in Chromium', () => {
  it('loads pages without a failed request: /favicon.ico and the icons the page names are served', async () => {
    const page = await freshPage();
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(storefront.url);
    await page.getByRole('list', { name: 'Products' }).getByRole('listitem').first().waitFor();
    await page.goto(`${storefront.url}/orders/${historian.orderIds[0]}`);
    await page.getByRole('alert').waitFor();
    // What a browser asks for on its own, whatever the page says.
    const favicon = await page.request.get(`${storefront.url}/favicon.ico`);
    expect(favicon.status()).toBe(200);
    expect(favicon.headers()['content-type']).toBe('image/x-icon');
    const icons = await page.locator('link[rel="icon"]').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''));
    expect(icons.length).toBeGreaterThan(0);
    for (const icon of icons) {
      const answer = await page.request.get(new URL(icon, storefront.url).href);
      expect(answer.status(), icon).toBe(200);
      expect(answer.headers()['content-type']).toMatch(/^image\//);
    }
    expect(failed).toEqual([]);
  });

  it('logs out while a query is in flight without telling the shopper the shop cannot be reached', async () => {
    const page = await freshPage();
    // Every alert the page ever shows, however briefly.
    await page.addInitScript({
      content: `const seen = (globalThis.alertsSeen = []);
        new MutationObserver(() => {
          for (const alert of document.querySelectorAll('[role="alert"]')) if (alert.textContent) seen.push(alert.textContent);
        }).observe(document, { subtree: true, childList: true, characterData: true });`,
    });
    await logIn(page, historian.email, '/?category=coffee');
    const products = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
    await products.first().waitFor();

    // The catalog's next page stays in flight while the shopper logs out; the log-out's own request
    // (sent once the store is cleared) waits until the page has shown what became of that query.
    let nextPage: Route | undefined;
    let nextPageSent!: () => void;
    const nextPageArrived = new Promise<void>((resolve) => (nextPageSent = resolve));
    let logOutSent!: () => void;
    const logOutArrived = new Promise<void>((resolve) => (logOutSent = resolve));
    let releaseLogOut!: () => void;
    const logOutReleased = new Promise<void>((resolve) => (releaseLogOut = resolve));
    await page.route('**/graphql', async (route) => {
      const operation = operationOf(route);
      if (operation === 'StorefrontProducts' && !nextPage) {
        nextPage = route;
        return nextPageSent();
      }
      // The storefront logs out by its cookie (EndSession; the SDK's LogOut names a refresh token).
      if (operation === 'EndSession') {
        logOutSent();
        await logOutReleased;
      }
      await route.continue().catch(() => undefined);
    });
    await page.getByRole('button', { name: 'Next' }).click();
    await nextPageArrived;
    await nav(page).getByRole('button', { name: 'Log out' }).click();
    await logOutArrived;
    // Two frames later React has shown what became of the abandoned query.
    await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    await screenshot(page, 'logout-in-flight');
    releaseLogOut();
    await nav(page).getByRole('link', { name: 'Log in' }).waitFor();
    // The catalog is read again, anonymously.
    await products.first().waitFor();
    const alerts = await page.evaluate(() => (globalThis as { alertsSeen?: string[] }).alertsSeen ?? []);
    expect(alerts.filter((text) => /cannot be reached/.test(text))).toEqual([]);
    expect(await page.getByText('cannot be reached').count()).toBe(0);
    await nextPage?.continue().catch(() => undefined);
  });

  it('shows the emptied cart in the header right after checkout, even when an older answer about the cart arrives last', async () => {
    const { email, client } = await newCustomer('Carla Checkout');
    await client.request(AddToCartDocument, { productId: await productId('Earl Grey'), quantity: 5 });
    const page = await freshPage();
    await logIn(page, email);
    await nav(page).getByRole('link', { name: /^Cart/ }).click();
    await page.getByRole('spinbutton', { name: 'Quantity of Earl Grey' }).waitFor();
    expect(await cartCount(page)).toBe(5);

    // The first read of the cart once on the checkout page is answered by the server at once (5
    // lines, before the order) but reaches the page only after the checkout; once on the order page,
    // later reads of the cart get no answer, so the header shows what it made of the answers so far.
    let phase: 'cart' | 'checkout' | 'order' = 'cart';
    let stale: { route: Route; response: Awaited<ReturnType<Route['fetch']>> } | undefined;
    let staleFetched!: () => void;
    const staleArrived = new Promise<void>((resolve) => (staleFetched = resolve));
    const unanswered: Route[] = [];
    await page.route('**/graphql', async (route) => {
      if (operationOf(route) !== 'Cart' || phase === 'cart') return route.continue().catch(() => undefined);
      if (phase === 'order') return void unanswered.push(route);
      if (stale) return route.continue().catch(() => undefined);
      stale = { route, response: await route.fetch() };
      staleFetched();
    });
    phase = 'checkout';
    await page.getByRole('link', { name: 'Checkout' }).click();
    await staleArrived;
    expect(await stale!.response.text()).toContain('"itemCount":5');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/orders\//);
    phase = 'order';
    await stale!.route.fulfill({ response: stale!.response });
    await page.getByTestId('order-status').waitFor();
    await expect.poll(() => cartCount(page), { timeout: 15_000 }).toBe(0);
    await screenshot(page, 'cart-after-checkout');
    // The server agrees: the cart is empty.
    expect((await client.request(CartDocument)).cart?.itemCount).toBe(0);
    for (const route of unanswered) await route.continue().catch(() => undefined);
  });

  it('lets the shopper see every order of "Your orders (N)", a page at a time', async () => {
    const page = await freshPage();
    await logIn(page, historian.email);
    await page.getByRole('heading', { name: `Your orders (${ORDER_COUNT})` }).waitFor();
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(10);
    await page.getByRole('button', { name: 'Show more orders' }).click();
    await expect.poll(() => rows.count()).toBe(ORDER_COUNT);
    expect(await page.getByRole('button', { name: 'Show more orders' }).count()).toBe(0);
    const shown = await rows.locator('a').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(shown.toSorted()).toEqual(historian.orderIds.map((id) => `/orders/${id}`).toSorted());
    await screenshot(page, 'account-all-orders');
  });

  it('offers to log in on an order page once the session is gone, and comes back to that order', async () => {
    const page = await freshPage();
    const orderId = historian.orderIds[1]!;
    await logIn(page, historian.email, `/orders/${orderId}`);
    await page.getByTestId('order-status').getByText('CANCELLED').waitFor(LIVE);
    // A reload keeps the session (its cookie, docs/sessions.md); without the cookie it is gone.
    await page.context().clearCookies();
    await page.reload();
    const alert = page.getByRole('alert').filter({ hasText: 'You must be signed in.' });
    await alert.waitFor();
    await screenshot(page, 'order-signed-out');
    await alert.getByRole('link', { name: 'Log in' }).click();
    await logInOnForm(page, historian.email);
    await page.waitForURL(`${storefront.url}/orders/${orderId}`);
    await page.getByTestId('order-status').getByText('CANCELLED').waitFor();
    expect(await page.getByText('You must be signed in.').count()).toBe(0);
  });
});
