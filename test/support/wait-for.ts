import { testTiming } from './test-timing.ts';

const DEFAULT_TIMEOUT_MS: number = testTiming.conditionMs;

/** Polls `probe` until it returns a value that `done` accepts, or fails after `timeoutMs` with the last value seen. */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = 50, what = 'condition' } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
