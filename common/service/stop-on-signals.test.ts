// stopOnSignals owns a process's shutdown. A signal delivered twice at once (Apollo Server's own
// handler re-raised it; Ctrl-C reaches npm and node and npm passes it on) is one request and the
// stop stays graceful; a person's second Ctrl-C later on ends the process at once.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.ts';

const root = resolve(import.meta.dirname, '../..');

function startFixture(stopMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'common/service/testing/signal-fixture.ts'], {
    cwd: root,
    env: { ...process.env, STOP_MS: String(stopMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  const messages = () =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { child, exited, messages };
}

describe('stopOnSignals', () => {
  it('takes the same signal delivered again right away as one request: the stop completes and the process exits 0', async () => {
    const fixture = startFixture(1_000);
    await waitFor(
      async () => fixture.messages(),
      (messages) => messages.includes('ready'),
      { what: 'the fixture to start', timeoutMs: 60_000 },
    );
    fixture.child.kill('SIGTERM');
    await waitFor(
      async () => fixture.messages(),
      (messages) => messages.includes('stopping gracefully'),
      { what: 'the stop to begin', timeoutMs: 30_000 },
    );
    fixture.child.kill('SIGTERM'); // as Apollo Server's handler did, and npm does with Ctrl-C
    expect(await fixture.exited).toBe(0);
    expect(fixture.messages()).toContain('stopped gracefully');
  }, 90_000);

  it('exits at once with 130 on a second signal well after the first', async () => {
    const fixture = startFixture(120_000);
    await waitFor(
      async () => fixture.messages(),
      (messages) => messages.includes('ready'),
      { what: 'the fixture to start', timeoutMs: 60_000 },
    );
    fixture.child.kill('SIGINT');
    await waitFor(
      async () => fixture.messages(),
      (messages) => messages.includes('stopping gracefully'),
      { what: 'the stop to begin', timeoutMs: 30_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // past the window of one request
    fixture.child.kill('SIGINT');
    expect(await fixture.exited).toBe(130);
    expect(fixture.messages()).not.toContain('stopped gracefully');
  }, 90_000);
});
