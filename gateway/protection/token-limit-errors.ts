import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../common/errors.ts';

// graphql-js's own wording when a document passes `maxTokens` (its typo included).
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more that? \d+ tokens/;

/** Gives the parser's token-limit refusal its own code instead of a generic parse failure. */
export function withTokenLimitCode(format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    if (!TOO_MANY_TOKENS.test(result.message)) return result;
    return { ...result, message: 'The operation has more tokens than the limit allows.', extensions: { ...result.extensions, code: ErrorCode.tokenLimitExceeded } };
  };
}
