// One `@event` subscription: what it sends and when (the field's declaration says which events,
// which entity, which states; see event-fields.ts).
//
// 1. It starts listening for its events, then, when it watches one entity (`matchArgument`), reads
//    that entity once as the subscriber. No entity (not theirs, or none at all) ends it with that
//    query's error (NOT_FOUND, what the HTTP query answers). Otherwise that result is the first
//    `next` (`extensions.initial: true`). A subscription to the caller's own events
//    (`matchSubscriber`) has no initial result: its events name entities that do not exist yet.
// 2. Each event after that is one `next`: the entity read again as the subscriber when the event
//    arrives, with `extensions.event` describing it (the message id and the declared `eventFields`)
//    and, for a field with a `state`, that field set to the event's state. Events that arrive
//    together share one read per entity, and with ordered states go out in state order.
// 3. With ordered states, an event to a state the subscriber has already seen, or to one before it,
//    is not sent again (redeliveries, the change the initial result already showed, a late message);
//    every event is sent once (the hub drops redelivered message ids). After a `completeOn` state
//    the subscription completes. An entity the subscriber can no longer read ends it with the errors.
import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { EventField } from './event-fields.ts';
import type { EventHub, HubEvent } from './event-hub.ts';
import type { FederatedExecutor } from './federated-executor.ts';
import type { PreparedSubscription } from './operation.ts';

export interface OpenEventSubscriptionOptions {
  readonly operation: PreparedSubscription;
  readonly viewer: Viewer;
  readonly hub: EventHub;
  readonly executor: FederatedExecutor;
  readonly log: Logger;
  /** Called once when the subscription ends for any reason (completed, refused, client gone). */
  readonly onEnd: () => void;
}

export type OpenedEventSubscription = { readonly ok: true; readonly stream: SubscriptionStream } | { readonly ok: false; readonly errors: readonly GraphQLFormattedError[] };

/** The results, as graphql-ws iterates them; `return()` (client completes, socket closes) ends everything. */
export interface SubscriptionStream extends AsyncIterableIterator<FormattedExecutionResult> {
  return(): Promise<IteratorResult<FormattedExecutionResult>>;
  /** Ends the stream with a last error result (e.g. the schema changed under it). */
  end(error: GraphQLFormattedError): void;
}

const rankOf = (field: EventField, state: unknown): number => (typeof state === 'string' ? (field.stateRank.get(state) ?? -1) : -1);
const stateOf = (field: EventField, event: HubEvent): unknown => (field.state ? event.payload[field.state] : undefined);
const entityKeyOf = (field: EventField, event: HubEvent): string | undefined => {
  const value = event.payload[field.entityKey];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

export async function openEventSubscription(options: OpenEventSubscriptionOptions): Promise<OpenedEventSubscription> {
  const { operation, viewer, hub, executor, log } = options;
  const { field } = operation;
  const ordered = field.stateRank.size > 0;
  const arrived: HubEvent[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const match =
    field.match.kind === 'argument'
      ? { topic: field.topic, field: field.entityKey, value: operation.argumentValue ?? '' }
      : { topic: field.topic, field: field.match.payloadField, value: viewer.id };
  const stopListening = hub.listen(match, (event) => {
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
  const read = (key: string, share: { key: string; untilStarted?: boolean }) =>
    executor.execute({ ...operation.request, variables: { ...operation.request.variables, [operation.keyVariable]: key } }, viewer, share);

  const pushed = createPushStream<FormattedExecutionResult>(end);
  const stream: SubscriptionStream = Object.assign(pushed, {
    end(error: GraphQLFormattedError) {
      if (ended) return;
      pushed.push({ data: null, errors: [error] });
      pushed.finish();
      end();
    },
  });
  let seenRank = -1;
  if (field.match.kind === 'argument') {
    let initial: FormattedExecutionResult;
    try {
      // Shared only with subscribers who came before it started: it reads the entity after they all listen.
      initial = await read(operation.argumentValue ?? '', { key: 'initial', untilStarted: true });
    } catch (error) {
      end();
      throw error;
    }
    const entity = entityOf(initial, operation);
    if (!entity) {
      end();
      return { ok: false, errors: missing(initial, operation) };
    }
    const state = operation.hiddenStateKey ? entity[operation.hiddenStateKey] : undefined;
    seenRank = rankOf(field, state);
    pushed.push(present(initial, operation, null));
    if (typeof state === 'string' && field.completeOn.has(state)) {
      pushed.finish();
      end();
      return { ok: true, stream };
    }
  }

  void (async () => {
    while (!ended) {
      if (arrived.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      // Everything that arrived meanwhile (in state order, without what the subscriber has seen), one read per entity.
      let batch = arrived.splice(0);
      if (ordered)
        batch = batch.filter((event) => rankOf(field, stateOf(field, event)) > seenRank).sort((a, b) => rankOf(field, stateOf(field, a)) - rankOf(field, stateOf(field, b)));
      const reads = new Map<string, Promise<FormattedExecutionResult>>();
      for (const event of batch) {
        const key = entityKeyOf(field, event);
        if (key === undefined || reads.has(key)) continue;
        const last = batch.findLast((candidate) => entityKeyOf(field, candidate) === key) ?? event;
        reads.set(key, read(key, { key: `event:${last.id}` }));
      }
      for (const event of batch) {
        const key = entityKeyOf(field, event);
        const reading = key === undefined ? undefined : reads.get(key);
        if (!reading) continue;
        const result = await reading;
        if (ended) break;
        if (!entityOf(result, operation)) {
          pushed.push({ data: null, errors: missing(result, operation) });
          pushed.finish();
          end();
          break;
        }
        const state = stateOf(field, event);
        if (ordered) {
          if (rankOf(field, state) <= seenRank) continue;
          seenRank = rankOf(field, state);
        }
        pushed.push(present(result, operation, event));
        if (typeof state === 'string' && field.completeOn.has(state)) {
          pushed.finish();
          end();
          break;
        }
      }
    }
  })().catch((error: unknown) => {
    log.error({ err: error, field: field.field }, 'an event subscription failed');
    pushed.fail(error);
    end();
  });

  return { ok: true, stream };
}

type EntityData = Record<string, unknown>;

function entityOf(result: FormattedExecutionResult, operation: PreparedSubscription): EntityData | undefined {
  const entity = result.data?.[operation.rootKey];
  return entity !== null && typeof entity === 'object' ? (entity as EntityData) : undefined;
}

function missing(result: FormattedExecutionResult, operation: PreparedSubscription): readonly GraphQLFormattedError[] {
  return result.errors?.length ? result.errors : [{ message: 'Not found.', path: [operation.rootKey], extensions: { code: ErrorCode.notFound } }];
}

/** The result as the client's operation shapes it: its state keys set to the event's, the gateway's own key gone. */
function present(result: FormattedExecutionResult, operation: PreparedSubscription, event: HubEvent | null): FormattedExecutionResult {
  const entity = entityOf(result, operation);
  let data = result.data ?? null;
  if (entity) {
    const rest = { ...entity };
    if (operation.hiddenStateKey) delete rest[operation.hiddenStateKey];
    const state = event && operation.field.state ? event.payload[operation.field.state] : undefined;
    if (state !== undefined) for (const key of operation.stateKeys) rest[key] = state;
    data = { ...result.data, [operation.rootKey]: rest };
  }
  const extensions = event ? { event: { id: event.id, ...Object.fromEntries(operation.field.eventFields.map((name) => [name, event.payload[name] ?? null])) } } : { initial: true };
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
