// Operation limits: the parser's token limit (its refusal with its own code) and the depth, alias,
// field and cost limits checked after validation, before planning. Always on.
import type { OperationLimits } from '../../common/operation-limits.ts';
import type { GatewayFeature } from '../feature.ts';
import { operationLimitsPlugin } from './operation-limits-plugin.ts';
import { withTokenLimitCode } from './token-limit-errors.ts';

export function createOperationLimits(limits: OperationLimits): GatewayFeature {
  return {
    name: 'operation-limits',
    apolloOptions: { parseOptions: { maxTokens: limits.maxTokens } },
    apolloPlugins: [operationLimitsPlugin(limits)],
    formatError: withTokenLimitCode((formatted) => formatted),
  };
}
