// Unexpected errors: logged with the request id (logUnexpectedErrorsPlugin) and masked for the
// client (INTERNAL_SERVER_ERROR, no message or stack from inside); Apollo's APQ hash mismatch gets
// the code the trusted documents answer it with (with them off, Apollo's check is the one that
// answers). Always on; first in the list, so later formatters see the masked error.
import { maskUnexpectedErrors } from '../../common/plugins/mask-errors.ts';
import { logUnexpectedErrorsPlugin } from '../../common/plugins/log-unexpected-errors-plugin.ts';
import type { GatewayFeature } from '../feature.ts';
import { withApqMismatchCode } from '../trusted-documents/apq-mismatch.ts';

export function createUnexpectedErrors(): GatewayFeature {
  return {
    name: 'unexpected-errors',
    apolloPlugins: [logUnexpectedErrorsPlugin()],
    formatError: withApqMismatchCode(maskUnexpectedErrors()),
  };
}
