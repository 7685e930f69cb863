/**
 * What a streaming test client has received so far, and a wait for a condition on it: the part the
 * graphql-ws and the multipart test clients share.
 */
export interface Arrivals<T> {
  readonly items: T[];
  add(item: T): void;
  /** Nothing more will arrive; a pending `until` that is not satisfied fails. */
  close(): void;
  /** Resolves with the items once `done(items)` holds; fails after `timeoutMs`, or with `whyOver()` when closed first. */
  until(done: (items: readonly T[]) => boolean, timeoutMs: number, whyOver: () => Promise<string>): Promise<T[]>;
}

export function arrivals<T>(): Arrivals<T> {
  const items: T[] = [];
  const listeners = new Set<() => void>();
  let over = false;
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  return {
    items,
    add(item) {
      items.push(item);
      notify();
    },
    close() {
      over = true;
      notify();
    },
    until(done, timeoutMs, whyOver) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (done(items)) {
            cleanUp();
            resolve([...items]);
          } else if (over) {
            cleanUp();
            void whyOver().then((why) => reject(new Error(`${why}; so far: ${JSON.stringify(items)}`)));
          }
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(new Error(`timed out after ${timeoutMs} ms; so far: ${JSON.stringify(items)}`));
        }, timeoutMs);
        const cleanUp = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
