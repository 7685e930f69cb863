import { resolve } from 'node:path';
import { z } from 'zod';
import type { Viewer } from '../../common/viewer.ts';

/**
 * `filter`: unauthorized fields are taken out of the operation, never fetched, and answered null
 * with an error at their paths. `reject`: an operation with any unauthorized field is refused
 * whole. `off`: the gateway enforces nothing and refuses a supergraph that links the specs `for:
 * SECURITY` (as federation says a gateway that does not enforce them must).
 */
export const AUTHORIZATION_MODES = ['filter', 'reject', 'off'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

export interface AuthorizationSettings {
  readonly mode: AuthorizationMode;
  /** The module whose export `policies` (or default export) maps each `@policy` name to its evaluator. */
  readonly policyModule: string | undefined;
}

/** The variables, as parseEnv reads them (and a gateway configuration file may set them). */
export const authorizationVariables = {
  GATEWAY_AUTHORIZATION: z
    .enum(AUTHORIZATION_MODES)
    .default('filter')
    .describe(
      '`@authenticated`, `@requiresScopes`, `@policy` at the gateway (see docs/protection.md, "Authorization at the gateway"): `filter` answers unauthorized fields null with `UNAUTHENTICATED` or `FORBIDDEN` (`deniedBy: gateway`) and never fetches them, `reject` refuses the whole operation (401/403), `off` enforces nothing and refuses a supergraph that uses them',
    ),
  GATEWAY_POLICY_MODULE: z.string().min(1).optional().meta({
    description:
      'a module (path) exporting `policies`: each `@policy` name → `(viewer, operation) => boolean | Promise<boolean>`; a policy the supergraph names without one here stops the start (a reload is refused)',
    unset: 'unset: no policies (a supergraph naming one is refused)',
  }),
};

/** The same, as one object (for a configuration file). */
export const authorizationSettingsSchema = z.object({
  mode: z.enum(AUTHORIZATION_MODES).default('filter'),
  policyModule: z.string().min(1).optional(),
});

export const authorizationSettingsFrom = (parsed: { GATEWAY_AUTHORIZATION: AuthorizationMode; GATEWAY_POLICY_MODULE?: string | undefined }): AuthorizationSettings => ({
  mode: parsed.GATEWAY_AUTHORIZATION,
  policyModule: parsed.GATEWAY_POLICY_MODULE ? resolve(parsed.GATEWAY_POLICY_MODULE) : undefined,
});

/** What a policy sees of the operation. */
export interface PolicyOperationInfo {
  readonly operationName: string | undefined;
  readonly operationType: 'query' | 'mutation' | 'subscription';
  readonly variables: Readonly<Record<string, unknown>>;
  /** The schema coordinates (`Type.field`) of the operation that this policy guards. */
  readonly coordinates: readonly string[];
}

export type PolicyEvaluator = (viewer: Viewer | null, operation: PolicyOperationInfo) => boolean | Promise<boolean>;
export type PolicyMap = Readonly<Record<string, PolicyEvaluator>>;
