// The first administrator of a shop that starts from empty databases (docs/operations.md "Going live",
// docs/going-live.md). Talks to the accounts database the way the accounts service does (the same
// variables, its migrations, its password rules and hashing); never takes the password from argv.
//
//   npm run admin:create -- --email admin@example.com --name "Ada Admin"      (a clone, tsx)
//   node dist/scripts/create-admin.js --email admin@example.com               (the image, compiled)
//
// Password, first found: the file ADMIN_PASSWORD_FILE names (a Kubernetes Secret mounted as a file),
// ADMIN_PASSWORD, else stdin: a prompt without echo on a terminal (asked twice), or the first line piped in.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GraphQLError } from 'graphql';
import { z } from 'zod';
import { ConfigError, booleanFlag, nodeEnv, parseEnv } from '../common/config.ts';
import { startEmbeddedPostgres } from '../common/database/embedded-postgres.ts';
import { createPrismaClient } from '../common/database/prisma-client.ts';
import { applyMigrations } from '../common/database/schema-engine.ts';
import { databaseUrlVariable } from '../common/service/subgraph-config.ts';
import { loadPasswordScryptCost } from '../subgraphs/accounts/config.ts';
import { ensureAdministrator, type EnsuredAdministrator } from '../subgraphs/accounts/domain/administrators.ts';
import { PrismaClient } from '../subgraphs/accounts/generated/prisma/client.ts';
import { checkName, checkNewPassword, normalizeEmail } from '../subgraphs/accounts/resolvers/validation.ts';

// sysexits.h, so a script or a Job can tell a mistake of its caller from a database it cannot reach.
export const EXIT = { ok: 0, failure: 1, usage: 64, dataError: 65, unavailable: 69, tempFail: 75, config: 78 } as const;

const USAGE = `Creates the shop's first administrator, or makes an existing account one.

usage: npm run admin:create -- --email <email> [--name <name>]
       node dist/scripts/create-admin.js --email <email> [--name <name>]

  --email   the administrator's email (or ADMIN_EMAIL)
  --name    their name, for a new account (or ADMIN_NAME; default "Administrator")

The password is never a flag (it would stay in shell history and in ps). It is read from the file
ADMIN_PASSWORD_FILE names, or ADMIN_PASSWORD, or else stdin: typed at a prompt without echo, or piped
(the first line). Sign-up's rules apply: 8 to 256 characters.

The accounts database: DATABASE_URL_ACCOUNTS, as the accounts service reads it (required when
NODE_ENV=production); without it, the embedded database under DATA_DIR/accounts (stop npm start first).
Pending migrations are applied first unless DB_MIGRATE_ON_START=false. Running it again changes nothing.
`;

class Refusal extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface Settings {
  readonly email: string;
  readonly name: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly migrate: boolean;
  readonly scryptCost: number;
}

type Env = Record<string, string | undefined>;

/** Sign-up's checks answer with a GraphQLError; here its message is what a person reads. */
function checked<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof GraphQLError) throw new Refusal(error.message, EXIT.dataError);
    throw error;
  }
}

function readSettings(argv: readonly string[], env: Env): Settings | 'help' {
  if (argv.some((arg) => /^--?(password|pass|pw)(=|$)/i.test(arg))) {
    throw new Refusal('the password is never taken from the command line (shell history, ps): pipe it on stdin or set ADMIN_PASSWORD_FILE.', EXIT.usage);
  }
  let values: { email?: string | undefined; name?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { email: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Refusal(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`, EXIT.usage);
  }
  if (values.help) return 'help';
  const rawEmail = values.email ?? env['ADMIN_EMAIL'];
  if (!rawEmail) throw new Refusal(`an email is required: --email <email> or ADMIN_EMAIL.\n\n${USAGE}`, EXIT.usage);
  const email = checked(() => normalizeEmail(rawEmail));
  const name = checked(() => checkName(values.name ?? env['ADMIN_NAME'] ?? 'Administrator'));

  const parsed = parseEnv({ NODE_ENV: nodeEnv, DATA_DIR: z.string().default('.data'), DB_MIGRATE_ON_START: booleanFlag(true) }, env);
  const variable = databaseUrlVariable('accounts');
  const databaseUrl = env[variable] || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError([`${variable}: must be a postgresql:// URL`]);
  if (databaseUrl === undefined && parsed.NODE_ENV === 'production') {
    // An embedded database here would be this container's own, not the one the accounts service uses.
    throw new ConfigError([`${variable}: required when NODE_ENV=production (the accounts service's database)`]);
  }
  return {
    email,
    name,
    nodeEnv: parsed.NODE_ENV,
    databaseUrl,
    dataDir: resolve(parsed.DATA_DIR),
    migrate: parsed.DB_MIGRATE_ON_START,
    scryptCost: loadPasswordScryptCost(env, parsed.NODE_ENV),
  };
}

/** Typed at a terminal: nothing echoed, asked twice so a typo cannot lock the shop out. */
async function promptTwice(): Promise<string> {
  const first = await prompt('Password for the new administrator: ');
  checked(() => checkNewPassword(first));
  const second = await prompt('The same password again: ');
  if (first !== second) throw new Refusal('the two passwords differ; nothing was created.', EXIT.dataError);
  return first;
}

function prompt(question: string): Promise<string> {
  const input = process.stdin;
  // No echo before the question shows, so nothing typed ahead appears either.
  input.setRawMode(true);
  process.stderr.write(question);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((done, fail) => {
    let typed = '';
    const finish = (outcome: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => done(typed));
        if (char === '\u0003') return finish(() => fail(new Refusal('interrupted; nothing was created.', 130)));
        if (char === '\u0004' && typed === '') return finish(() => fail(new Refusal('no password typed; nothing was created.', EXIT.usage)));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}

/** Piped: the first line (a trailing CR/LF is not part of the password). */
async function readPipedLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') {
    throw new Refusal('no password: pipe it on stdin (first line), type it at a terminal, or set ADMIN_PASSWORD_FILE (or ADMIN_PASSWORD).', EXIT.usage);
  }
  return line;
}

async function readPassword(env: Env): Promise<string> {
  const file = env['ADMIN_PASSWORD_FILE'];
  let password: string;
  if (file) {
    const content = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Refusal(`ADMIN_PASSWORD_FILE: cannot read ${file} (${error.code ?? error.message}).`, EXIT.config);
    });
    // A Secret written with `echo` or an editor ends in a newline that is not part of the password.
    password = content.replace(/\r?\n$/, '');
  } else if (env['ADMIN_PASSWORD']) {
    password = env['ADMIN_PASSWORD'];
  } else if (process.stdin.isTTY) {
    return promptTwice();
  } else {
    password = await readPipedLine();
  }
  return checked(() => checkNewPassword(password));
}

/** Where the database is, for messages: never its credentials. */
function describeDatabase(settings: Settings): string {
  if (settings.databaseUrl === undefined) return `the embedded database in ${join(settings.dataDir, 'accounts')}`;
  const url = new URL(settings.databaseUrl);
  return `${databaseUrlVariable('accounts')} (${url.hostname}:${url.port || '5432'}${url.pathname})`;
}

async function openDatabase(settings: Settings): Promise<{ connectionString: string; close(): Promise<void> }> {
  if (settings.databaseUrl !== undefined) return { connectionString: settings.databaseUrl, close: async () => {} };
  const dataDir = join(settings.dataDir, 'accounts');
  // PGlite serves one process: a second opener of a live directory would corrupt it.
  if (existsSync(join(dataDir, 'postmaster.pid'))) {
    throw new Refusal(
      `${dataDir} is open in another process (npm start?): stop it and run this again. If nothing uses it (a crash left the lock), delete ${join(dataDir, 'postmaster.pid')}.`,
      EXIT.tempFail,
    );
  }
  return startEmbeddedPostgres({ dataDir });
}

const sentence = ({ outcome, user }: EnsuredAdministrator): string => {
  switch (outcome) {
    case 'created':
      return `Created the administrator ${user.email} (${user.name}, id ${user.id}). Log in with this email and password.`;
    case 'promoted':
      return `${user.email} already had an account: it is now an administrator (its password is unchanged; the new role applies from its next log-in).`;
    case 'unchanged':
      return `${user.email} is already an administrator: nothing changed.`;
  }
};

export async function createAdmin(argv: readonly string[], env: Env): Promise<number> {
  const settings = readSettings(argv, env);
  if (settings === 'help') {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const where = describeDatabase(settings);
  let database: { connectionString: string; close(): Promise<void> };
  try {
    database = await openDatabase(settings);
    if (settings.migrate) await applyMigrations({ service: 'accounts', connectionString: database.connectionString });
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal(`cannot use ${where}: ${error instanceof Error ? error.message : String(error)}`, EXIT.unavailable);
  }
  const prisma = createPrismaClient(PrismaClient, { connectionString: database.connectionString, maxConnections: 1 });
  try {
    const result = await ensureAdministrator(prisma, {
      email: settings.email,
      name: settings.name,
      password: () => readPassword(env),
      scryptCost: settings.scryptCost,
    });
    process.stdout.write(`${sentence(result)}\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof Refusal) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    // The driver's connection failures (refused, unknown host, timed out, auth): the database, not this command.
    if (/^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|28P01|3D000|P1001|P1000)$/.test(code)) {
      throw new Refusal(`cannot use ${where}: ${error instanceof Error ? error.message : code}`, EXIT.unavailable);
    }
    throw error;
  } finally {
    await prisma.$disconnect();
    await database.close();
  }
}

async function main(): Promise<void> {
  try {
    process.exitCode = await createAdmin(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof Refusal) {
      process.stderr.write(`create-admin: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`create-admin: ${error.message}\n`);
      process.exitCode = EXIT.config;
    } else {
      process.stderr.write(`create-admin: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = EXIT.failure;
    }
  }
}

// Run as a command (tsx or the compiled bundle); imported, it only exports createAdmin.
if (process.argv[1] && /create-admin\.(ts|js)$/.test(process.argv[1])) await main();
