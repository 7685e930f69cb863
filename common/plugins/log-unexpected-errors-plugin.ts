import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Logger } from '../logger.ts';
import { isDatabaseBusy } from '../database/database-busy.ts';
import { unexpectedCause } from './mask-errors.ts';

/** Logs every unexpected error in full with the request's logger (so with its request id); clients see it masked. */
export function logUnexpectedErrorsPlugin<TContext extends BaseContext & { readonly log: Logger }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const cause = unexpectedCause(error);
            if (!cause) continue;
            // Load, answered SERVICE_UNAVAILABLE: worth a warning, not an error report.
            if (isDatabaseBusy(cause)) contextValue.log.warn({ err: cause, path: error.path }, 'database busy');
            else contextValue.log.error({ err: cause, path: error.path }, 'unexpected error');
          }
        },
      };
    },
  };
}
