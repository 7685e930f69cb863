// Runs operations on behalf of subscribers through the gateway's own ApolloServer, so they take
// exactly the path an HTTP request takes: validation, query planning, the subgraph credentials that
// carry the viewer, authorization in every subgraph, error masking, metrics.
//
// One event can fan out to thousands of subscribers. Two things keep that from becoming
// thousands of identical federated queries: executions with the same share key, viewer (id and
// role), query and variables share one result (authorization depends on nothing else), and at most
// `concurrency` executions run at once.
//
// Sharing comes in two kinds. For an event (key: its message id) any execution still running will
// do: it started after the event happened. For an initial result (subscribe time) only one that has
// not started yet will do: it must read the entity after the new subscriber started listening, or a
// change in between would be lost. Under load, executions wait for a slot, so a burst of
// subscribers to one entity shares a few executions.
import { randomUUID } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';
import type { Logger } from '../../common/logger.ts';
import type { Viewer } from '../../common/viewer.ts';
import type { GatewayContext } from '../context.ts';
import type { FederatedRequest } from './operation.ts';

export interface FederatedExecutor {
  /**
   * Executes `request` as `viewer`. With `share`, a call with the same key, viewer and request made
   * while another is running (or, `untilStarted`, still waiting for its slot) gets the same result:
   * treat it as read-only.
   */
  execute(request: FederatedRequest, viewer: Viewer | null, share?: ShareOptions): Promise<FormattedExecutionResult>;
  /** Executions running or waiting for a slot (tests, metrics). */
  pending(): number;
}

export interface ShareOptions {
  readonly key: string;
  /** Join only an execution that has not started yet. */
  readonly untilStarted?: boolean;
}

export interface FederatedExecutorOptions {
  /** The gateway's Apollo Server: made after the features (their plugins are its plugins), so read at each execution. */
  readonly apollo: () => Pick<ApolloServer<GatewayContext>, 'executeOperation'>;
  readonly log: Logger;
  readonly concurrency: number;
}

const internalError: FormattedExecutionResult = { data: null, errors: [{ message: 'Internal server error.', extensions: { code: ErrorCode.internal } }] };

export function createFederatedExecutor({ apollo, log, concurrency }: FederatedExecutorOptions): FederatedExecutor {
  const shared = new Map<string, Promise<FormattedExecutionResult>>();
  const waiting: (() => void)[] = [];
  let running = 0;

  const acquire = async () => {
    if (running < concurrency) {
      running += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next)
      next(); // the slot passes on
    else running -= 1;
  };

  async function run(request: FederatedRequest, viewer: Viewer | null, onStart?: () => void): Promise<FormattedExecutionResult> {
    await acquire();
    onStart?.();
    const requestId = randomUUID();
    try {
      const response = await apollo().executeOperation(
        { query: request.query, ...(request.operationName ? { operationName: request.operationName } : {}), ...(request.variables ? { variables: request.variables } : {}) },
        { contextValue: { viewer, requestId, log: log.child({ requestId }) } },
      );
      if (response.body.kind === 'single') return response.body.singleResult;
      return { data: null, errors: [{ message: 'Incremental delivery is not supported here.', extensions: { code: ErrorCode.badRequest } }] };
    } catch (error) {
      log.error({ err: error, requestId }, 'a subscription execution failed');
      return internalError;
    } finally {
      release();
    }
  }

  return {
    execute(request, viewer, share) {
      if (share === undefined) return run(request, viewer);
      const key = JSON.stringify([share.key, viewer?.id ?? null, viewer?.role ?? null, request.query, request.operationName ?? null, request.variables ?? null]);
      let result = shared.get(key);
      if (!result) {
        const forget = () => {
          if (shared.get(key) === result) shared.delete(key);
        };
        result = run(request, viewer, share.untilStarted ? forget : undefined).finally(forget);
        shared.set(key, result);
      }
      return result;
    },
    pending: () => running + waiting.length,
  };
}
