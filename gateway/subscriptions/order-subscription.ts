// One `orderStatusChanged` subscription: what it sends and when.
//
// 1. It starts listening for the order's events, then executes the rewritten query once as the
//    subscriber. No order (not theirs, or none at all) ends it with that query's error (NOT_FOUND,
//    as the HTTP `order` query answers). Otherwise that result is the first `next`: the order as it
//    is now (`extensions.initial: true`).
// 2. Each status change after that is one `next`, in the order of the lifecycle: the query executed
//    again as the subscriber when the event arrives, with `status` set to the status of that change
//    and `extensions.event` describing it. If the order has moved on by the time it is read (or
//    several changes arrive at once: they share one execution), each change still gets its own
//    event, in order; the other fields show the order as read.
// 3. A change to a status the subscriber has already seen, or to one before it, is not sent again
//    (redeliveries, the change the initial result already showed, a late message). After a final
//    status (DELIVERED, CANCELLED) the subscription completes.
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { FederatedExecutor } from './federated-executor.ts';
import type { PreparedOrderSubscription } from './operation.ts';
import type { OrderStatusEvent, OrderStatusHub } from './order-status-hub.ts';

/** Position in an order's lifecycle; DELIVERED and CANCELLED are both final. */
const LIFECYCLE: Readonly<Record<string, number>> = { PENDING: 0, CONFIRMED: 1, SHIPPED: 2, DELIVERED: 3, CANCELLED: 3 };
const FINAL = new Set(['DELIVERED', 'CANCELLED']);
const rankOf = (status: unknown): number => (typeof status === 'string' ? (LIFECYCLE[status] ?? -1) : -1);

export interface OpenOrderSubscriptionOptions {
  readonly operation: PreparedOrderSubscription;
  readonly viewer: Viewer;
  readonly hub: OrderStatusHub;
  readonly executor: FederatedExecutor;
  readonly log: Logger;
  /** Called once when the subscription ends for any reason (completed, refused, client gone). */
  readonly onEnd: () => void;
}

export type OpenedOrderSubscription =
  | { readonly ok: true; readonly stream: OrderSubscriptionStream }
  | { readonly ok: false; readonly errors: readonly GraphQLFormattedError[] };

/** The results, as graphql-ws iterates them; `return()` (client completes, socket closes) ends everything. */
export interface OrderSubscriptionStream extends AsyncIterableIterator<FormattedExecutionResult> {
  return(): Promise<IteratorResult<FormattedExecutionResult>>;
}

export async function openOrderSubscription(options: OpenOrderSubscriptionOptions): Promise<OpenedOrderSubscription> {
  const { operation, viewer, hub, executor, log } = options;
  const arrived: OrderStatusEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const stopListening = hub.listen(operation.orderId, (event) => {
    arrived.push(event);
    wake?.();
  });
  const end = () => {
    if (ended) return;
    ended = true;
    stopListening();
    arrived.length = 0;
    wake?.();
    options.onEnd();
  };

  let initial: FormattedExecutionResult;
  try {
    // Shared only with subscribers who came before it started: it reads the order after they all listen.
    initial = await executor.execute(operation.request, viewer, { key: 'initial', untilStarted: true });
  } catch (error) {
    end();
    throw error;
  }
  const order = orderOf(initial, operation);
  if (!order) {
    end();
    const errors = initial.errors?.length ? initial.errors : [{ message: 'Order was not found.', path: [operation.rootKey], extensions: { code: ErrorCode.notFound } }];
    return { ok: false, errors };
  }

  const stream = createPushStream<FormattedExecutionResult>(end);
  let seenRank = rankOf(order[operation.hiddenStatusKey]);
  stream.push(present(initial, operation, null));
  if (FINAL.has(String(order[operation.hiddenStatusKey]))) {
    stream.finish();
    end();
    return { ok: true, stream };
  }

  void (async () => {
    while (!ended) {
      if (arrived.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      // Everything that arrived meanwhile, in lifecycle order, without what the subscriber has seen.
      const batch = arrived
        .splice(0)
        .filter((event) => rankOf(event.status) > seenRank)
        .sort((a, b) => rankOf(a.status) - rankOf(b.status));
      const last = batch.at(-1);
      if (!last) continue;
      const result = await executor.execute(operation.request, viewer, { key: `event:${last.id}` });
      if (ended) break;
      for (const event of batch) {
        if (rankOf(event.status) <= seenRank) continue;
        seenRank = rankOf(event.status);
        stream.push(present(result, operation, event));
        if (FINAL.has(event.status)) {
          stream.finish();
          end();
          break;
        }
      }
    }
  })().catch((error: unknown) => {
    log.error({ err: error, orderId: operation.orderId }, 'an order subscription failed');
    stream.fail(error);
    end();
  });

  return { ok: true, stream };
}

type OrderData = Record<string, unknown>;

function orderOf(result: FormattedExecutionResult, operation: PreparedOrderSubscription): OrderData | undefined {
  const order = result.data?.[operation.rootKey];
  return order !== null && typeof order === 'object' ? (order as OrderData) : undefined;
}

/** The result as the client's operation shapes it: its `status` keys set to the event's, the gateway's own key gone. */
function present(result: FormattedExecutionResult, operation: PreparedOrderSubscription, event: OrderStatusEvent | null): FormattedExecutionResult {
  const order = orderOf(result, operation);
  let data = result.data ?? null;
  if (order) {
    const { [operation.hiddenStatusKey]: _fetchedStatus, ...rest } = order;
    if (event) for (const key of operation.statusKeys) rest[key] = event.status;
    data = { ...result.data, [operation.rootKey]: rest };
  }
  const extensions = event
    ? { event: { id: event.id, status: event.status, previousStatus: event.previousStatus, reason: event.reason, at: event.at } }
    : { initial: true };
  return { data, ...(result.errors?.length ? { errors: result.errors } : {}), extensions };
}

interface PushStream<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** No more values: the consumer gets the queued ones, then done. */
  finish(): void;
  fail(error: unknown): void;
  return(): Promise<IteratorResult<T>>;
}

/** An async iterator fed by push(); `onReturn` runs once the consumer stops or the stream ends. */
function createPushStream<T>(onReturn: () => void): PushStream<T> {
  const queued: T[] = [];
  let pull: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const done = (): IteratorResult<T> => ({ done: true, value: undefined });

  const stream: PushStream<T> = {
    push(value) {
      if (finished) return;
      if (pull) {
        const waiting = pull;
        pull = undefined;
        waiting.resolve({ done: false, value });
      } else {
        queued.push(value);
      }
    },
    finish() {
      finished = true;
      if (pull && queued.length === 0) {
        const waiting = pull;
        pull = undefined;
        waiting.resolve(done());
      }
    },
    fail(error) {
      if (finished) return;
      finished = true;
      failure = { error };
      if (pull) {
        const waiting = pull;
        pull = undefined;
        waiting.reject(error);
      }
    },
    async next() {
      const value = queued.shift();
      if (value !== undefined) return { done: false, value };
      if (failure) throw failure.error;
      if (finished) {
        onReturn();
        return done();
      }
      return new Promise<IteratorResult<T>>((resolve, reject) => (pull = { resolve, reject }));
    },
    async return() {
      finished = true;
      queued.length = 0;
      onReturn();
      if (pull) {
        const waiting = pull;
        pull = undefined;
        waiting.resolve(done());
      }
      return done();
    },
    async throw(error?: unknown) {
      await stream.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
