// App-wide notices the network layer raises and the layout shows: the gateway's 429 with its Retry-After.
export interface RateLimitNotice {
  /** When requests may resume (ms since epoch). */
  readonly until: number;
}

type Listener = () => void;
let rateLimit: RateLimitNotice | null = null;
const listeners = new Set<Listener>();

export const rateLimitNotices = {
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  current: (): RateLimitNotice | null => rateLimit,
  raise(retryAfterSeconds: number): void {
    rateLimit = { until: Date.now() + retryAfterSeconds * 1000 };
    for (const listener of listeners) listener();
  },
  clear(): void {
    rateLimit = null;
    for (const listener of listeners) listener();
  },
};
