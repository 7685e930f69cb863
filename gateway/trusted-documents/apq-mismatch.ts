import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';

// Apollo Server's own wording when an APQ hash is not its text's (it gives no code, so it would be
// INTERNAL_SERVER_ERROR). Trusted documents refuse this before Apollo sees it; with them off
// (PERSISTED_DOCUMENTS=off) Apollo's check is the one that answers.
const APOLLO_HASH_MISMATCH = 'provided sha does not match query';

/** Gives Apollo's APQ hash mismatch the code and wording the trusted documents answer it with. */
export function withApqMismatchCode(format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    if (result.message !== APOLLO_HASH_MISMATCH) return result;
    return {
      ...result,
      message: 'The sha256 of the text sent is not the id sent with it: send the text with its own hash.',
      extensions: { ...result.extensions, code: ErrorCode.persistedQueryHashMismatch },
    };
  };
}
