// Several servers in one process (npm start): a handler's throw is that request's 500, logged with
// its request id, and every server goes on serving; a real crash (a throw no request holds) still
// stops the other servers gracefully, lets their requests in flight finish, and exits 1 with its
// cause on stderr. Over HTTP against a child process running two services.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requestInFlight } from '../../test/support/request-in-flight.ts';
import { waitFor } from '../../test/support/wait-for.ts';

const root = resolve(import.meta.dirname, '../..');

interface LogLine {
  readonly msg: string;
  readonly requestId?: string;
  readonly err?: { message: string };
  readonly failingUrl?: string;
  readonly otherUrl?: string;
}

const running: (() => void)[] = [];
afterEach(() => {
  for (const kill of running.splice(0)) kill();
});

async function startFixture() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'common/http/testing/two-services-fixture.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const lines = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const ready = await waitFor(
    async () => lines().find((line) => line.msg === 'ready'),
    (line) => line !== undefined || child.exitCode !== null,
    { what: 'the fixture to listen', timeoutMs: 60_000 },
  );
  if (!ready?.failingUrl || !ready.otherUrl) throw new Error(`the fixture did not start: ${stderr}`);
  return { child, exited, lines, stderr: () => stderr, failingUrl: ready.failingUrl, otherUrl: ready.otherUrl };
}

const NO_STACK = /^\s+at |\.ts:\d+|thrown (at once|later)/m;

describe('a throw inside a request handler', () => {
  it.for(['/throws-at-once', '/throws-later'])('at %s is that request 500 with its request id, and every server goes on serving', async (path) => {
    const fixture = await startFixture();
    const requestId = `safety-net-${path.slice(1)}`;
    const response = await fetch(`${fixture.failingUrl}${path}`, { headers: { 'x-request-id': requestId } });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const text = await response.text();
    expect(text).not.toMatch(NO_STACK);
    expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    // The log line names the request and keeps what the client did not get.
    const logged = await waitFor(
      async () => fixture.lines().find((line) => line.msg === 'unhandled error while serving a request'),
      (line) => line !== undefined,
      { what: 'the error to be logged', timeoutMs: 10_000 },
    );
    expect(logged).toMatchObject({ requestId, err: { message: expect.stringMatching(/^thrown (at once|later) by a handler$/) } });
    // Both servers still answer; the process did not end.
    for (const url of [fixture.failingUrl, fixture.otherUrl]) expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect((await fetch(`${fixture.failingUrl}${path}`)).status).toBe(500);
    expect(fixture.child.exitCode).toBeNull();
  });
});

describe('a crash outside any request', () => {
  it('stops the other server gracefully (its request in flight finishes), then exits 1 with the cause on stderr', async () => {
    const fixture = await startFixture();
    const inFlight = await requestInFlight(`${fixture.otherUrl}/graphql`, '{ __typename }');
    expect((await fetch(`${fixture.failingUrl}/crashes`)).status).toBe(202);
    await waitFor(
      async () => fixture.lines().map((line) => line.msg),
      (messages) => messages.includes('stopping gracefully'),
      { what: 'the stop to begin', timeoutMs: 30_000 },
    );
    expect(await inFlight.finish()).toEqual({ status: 200, body: JSON.stringify({ echoed: JSON.stringify({ query: '{ __typename }' }) }) });
    expect(await fixture.exited).toBe(1);
    expect(fixture.stderr()).toMatch(/^Uncaught exception: Error: thrown outside any request\n\s+at /m);
    expect(fixture.lines().map((line) => line.msg)).toContain('stopped gracefully');
  });
});
