// docs/going-live.md, followed as an operator would, on the real PostgreSQL in production mode: empty
// databases, `npm run db:migrate`, the services started with NODE_ENV=production (no demo data), the
// first administrator made by `npm run admin:create` with the password on stdin, then categories and a
// product through the gateway as that administrator, and the shop seen by an anonymous shopper. Only
// the services the story touches run (accounts, catalog, inventory, the gateway); the others are a
// stand-in the gateway is never sent a query for.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../gateway/config.ts';
import {
  CategoriesDocument,
  CategoryTreeDocument,
  CreateCategoryDocument,
  CreateProductDocument,
  LogInDocument,
  ProductsDocument,
  RestockDocument,
  SignUpDocument,
  createShopClient,
  type ShopResult,
} from '../sdk/index.ts';
import { startServiceProcess, type ProcessExit, type ServiceProcess } from './support/service-process.ts';
import { createTestDatabases, type TestDatabases } from './support/test-databases.ts';

const root = resolve(import.meta.dirname, '..');
const RUNNING = ['accounts', 'catalog', 'inventory'] as const;
const secretOf = (name: string) => `going-live-${name}-${randomBytes(12).toString('hex')}`;
const secrets = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, secretOf(name)]));

let databases: TestDatabases;
let standIn: Server;
const services: Partial<Record<(typeof RUNNING)[number], ServiceProcess>> = {};
let gateway: ServiceProcess;

/** What every process of the shop gets: production, and nothing of this test run's own settings. */
const productionEnv = (): Record<string, string> => ({
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  ...Object.fromEntries(RUNNING.map((name) => [`DATABASE_URL_${name.toUpperCase()}`, databases.urls[name]])),
});

/** A command as the doc types it, in the project folder; `stdin` is piped in and closed. */
function run(command: string, args: readonly string[], { stdin = '', env = {} }: { stdin?: string; env?: Record<string, string> } = {}): Promise<ProcessExit> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(NODE_ENV|LOG_|DATABASE_URL_|AMQP_|REDIS_URL|SUBGRAPH_|ADMIN_|TEST_|PASSWORD_)/.test(name)),
  );
  const child = spawn(command, args, { cwd: root, env: { ...inherited, ...productionEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin);
  return new Promise((done) => child.once('close', (code, signal) => done({ code, signal, stdout, stderr })));
}
/** The SDK as the storefront runs against a production gateway: operations sent by their persisted id. */
const as = (token?: string) => createShopClient({ url: gateway.url, token, persisted: true });
const codes = (result: ShopResult<unknown>) => (result.errors ?? []).map((error) => error.extensions?.['code']);

const createAdmin = (args: readonly string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
  run('npm', ['run', '--silent', 'admin:create', '--', ...args], options);

beforeAll(async () => {
  databases = await createTestDatabases([...RUNNING]);
  standIn = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
  await new Promise<void>((listening) => standIn.listen(0, '127.0.0.1', listening));
});
afterAll(async () => {
  await Promise.all([gateway, ...Object.values(services)].map((service) => service?.stop()));
  standIn?.close();
  await databases?.drop();
});

const OWNER = { email: `owner-${randomBytes(4).toString('hex')}@shop.example`, name: 'Olive Owner', password: `correct horse ${randomBytes(6).toString('hex')}` };

describe('going live from empty databases', () => {
  it('migrates the empty databases with npm run db:migrate', async () => {
    const migrated = await run('npm', ['run', '--silent', 'db:migrate', '--', ...RUNNING]);
    expect(migrated.code, migrated.stderr).toBe(0);
    for (const name of RUNNING) expect(migrated.stdout).toMatch(new RegExp(`^${name}: applied `, 'm'));
  });

  it('starts the services in production mode, which seed nothing', async () => {
    const started = await Promise.all(
      RUNNING.map((name) =>
        startServiceProcess(`subgraphs/${name}/main.ts`, { ...productionEnv(), SUBGRAPH_SECRET: secrets[name]!, DB_MIGRATE_ON_START: 'false', SEED_DEMO_DATA: 'false' }),
      ),
    );
    RUNNING.forEach((name, index) => (services[name] = started[index]));
    const { port } = standIn.address() as AddressInfo;
    const urlOf = (name: string) => services[name as (typeof RUNNING)[number]]?.url ?? `http://127.0.0.1:${port}/graphql`;
    gateway = await startServiceProcess('gateway/main.ts', {
      ...productionEnv(),
      ...Object.fromEntries(
        SUBGRAPH_NAMES.flatMap((name) => [[`SUBGRAPH_URL_${name.toUpperCase()}`, urlOf(name)] as const, [`SUBGRAPH_SECRET_${name.toUpperCase()}`, secrets[name]!] as const]),
      ),
      JWKS_URL: `${services.accounts!.url.replace(/\/graphql$/, '')}/.well-known/jwks.json`,
      SUPERGRAPH_WATCH: 'false',
    });

    const shop = await as().execute(ProductsDocument, { first: 10 });
    expect(shop.errors).toBeUndefined();
    expect(shop.data?.products.totalCount).toBe(0);
    expect((await as().execute(CategoriesDocument)).data?.categories).toEqual([]);
    // No published demo sign-in exists in production.
    expect(codes(await as().execute(LogInDocument, { input: { email: 'admin@shop.test', password: 'admin-demo-password' } }))).toEqual(['INVALID_CREDENTIALS']);
  });

  it('refuses a password on the command line and a weak one, creating nothing', async () => {
    const onArgv = await createAdmin(['--email', OWNER.email, `--password=${OWNER.password}`]);
    expect(onArgv.code).toBe(64);
    expect(onArgv.stderr).toContain('never taken from the command line');
    const weak = await createAdmin(['--email', OWNER.email], { stdin: 'short\n' });
    expect(weak.code).toBe(65);
    expect(weak.stderr).toContain('at least 8 characters');
    expect(codes(await as().execute(LogInDocument, { input: { email: OWNER.email, password: 'short' } }))).toEqual(['INVALID_CREDENTIALS']);
  });

  it('creates the first administrator with the password on stdin, and says so once', async () => {
    const created = await createAdmin(['--email', OWNER.email, '--name', OWNER.name], { stdin: `${OWNER.password}\n` });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Created the administrator ${OWNER.email}`);
    expect(created.stdout + created.stderr).not.toContain(OWNER.password);

    const again = await createAdmin(['--email', OWNER.email], { stdin: 'another password entirely\n' });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('already an administrator: nothing changed');

    const session = await as().execute(LogInDocument, { input: { email: OWNER.email, password: OWNER.password } });
    expect(session.errors).toBeUndefined();
    expect(session.data?.logIn.user).toMatchObject({ email: OWNER.email, name: OWNER.name, role: 'ADMIN' });
  });

  it('lets that administrator create categories and a product, which a shopper then sees', async () => {
    const { token } = (await as().execute(LogInDocument, { input: { email: OWNER.email, password: OWNER.password } })).data!.logIn;
    const coffee = await as(token).execute(CreateCategoryDocument, { input: { name: 'Coffee' } });
    expect(coffee.errors).toBeUndefined();
    const beans = await as(token).execute(CreateCategoryDocument, { input: { name: 'Whole Beans', parentId: coffee.data!.createCategory.id } });
    expect(beans.data?.createCategory).toMatchObject({ slug: 'whole-beans', parent: { id: coffee.data!.createCategory.id } });
    const product = await as(token).execute(CreateProductDocument, {
      input: { sku: 'BEAN-001', name: 'House Blend', description: 'Our first coffee.', priceAmount: 1450, categoryId: beans.data!.createCategory.id },
    });
    expect(product.errors).toBeUndefined();
    const restocked = await as(token).execute(RestockDocument, { productId: product.data!.createProduct.id, quantity: 12 });
    expect(restocked.data?.restock.available).toBe(12);

    const shopper = await as().execute(ProductsDocument, { first: 10, filter: { categorySlug: 'whole-beans' } });
    expect(shopper.errors).toBeUndefined();
    expect(shopper.data?.products.edges.map(({ node }) => node)).toEqual([
      expect.objectContaining({
        sku: 'BEAN-001',
        name: 'House Blend',
        price: { amount: 1450, currency: 'USD' },
        category: expect.objectContaining({ slug: 'whole-beans' }),
        inStock: true,
      }),
    ]);
    const tree = await as().execute(CategoryTreeDocument);
    expect(tree.data?.categories.map(({ name, parent }) => [name, parent?.name ?? null])).toEqual([
      ['Coffee', null],
      ['Whole Beans', 'Coffee'],
    ]);
  });

  it('promotes a customer who signed up without asking a password, and a customer is refused the admin mutations', async () => {
    const email = `manager-${randomBytes(4).toString('hex')}@shop.example`;
    const signedUp = await as().execute(SignUpDocument, { input: { email, name: 'Manny Manager', password: 'manager-password-1' } });
    expect(signedUp.data?.signUp.user.role).toBe('CUSTOMER');
    const refused = await as(signedUp.data!.signUp.token).execute(CreateCategoryDocument, { input: { name: 'Tea' } });
    expect(codes(refused)).toEqual(['FORBIDDEN']);

    const promoted = await createAdmin(['--email', email]);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toContain(`${email} already had an account: it is now an administrator`);
    const manager = await as().execute(LogInDocument, { input: { email, password: 'manager-password-1' } });
    expect(manager.data?.logIn.user.role).toBe('ADMIN');
    const tea = await as(manager.data!.logIn.token).execute(CreateCategoryDocument, { input: { name: 'Tea' } });
    expect(tea.errors).toBeUndefined();
  });

  it('reads the password from ADMIN_PASSWORD_FILE (a mounted Secret), without its trailing newline', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'going-live-'));
    try {
      const email = `ops-${randomBytes(4).toString('hex')}@shop.example`;
      const password = `from a secret ${randomBytes(6).toString('hex')}`;
      await writeFile(join(folder, 'password'), `${password}\n`, { mode: 0o600 });
      const created = await createAdmin(['--email', email], { env: { ADMIN_PASSWORD_FILE: join(folder, 'password') } });
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain(`Created the administrator ${email}`);
      const session = await as().execute(LogInDocument, { input: { email, password } });
      expect(session.data?.logIn.user.role).toBe('ADMIN');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
