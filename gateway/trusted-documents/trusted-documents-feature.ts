// Trusted documents as a gateway feature: its HTTP hook (ids resolved, refusals before Apollo parses
// anything), its Apollo plugin and option, and the plan warm-up at each supergraph load. The
// subscription transports and content negotiation take `resolveOperation` and `runnablePayload`
// from it as dependencies. PERSISTED_DOCUMENTS=off: absent.
import type { Registry } from 'prom-client';
import type { Logger } from '../../common/logger.ts';
import type { GatewayFeature } from '../feature.ts';
import type { TrustedDocumentSettings } from './settings.ts';
import { createTrustedDocuments, type TrustedDocuments } from './trusted-documents.ts';

export interface TrustedDocumentsFeature extends GatewayFeature {
  readonly resolveOperation: TrustedDocuments['resolveOperation'];
  readonly runnablePayload: TrustedDocuments['runnablePayload'];
}

export interface TrustedDocumentsDependencies {
  readonly log: Logger;
  readonly registry: Registry;
  /** NODE_ENV=production: a mode other than `require` is said at start as a warning. */
  readonly production: boolean;
}

export function createTrustedDocumentsFeature(settings: TrustedDocumentSettings, { log, registry, production }: TrustedDocumentsDependencies): TrustedDocumentsFeature | undefined {
  const trusted = createTrustedDocuments({ settings, log, registry, production });
  if (!trusted) return undefined;
  return {
    name: 'trusted-documents',
    apolloOptions: trusted.apolloConfig,
    apolloPlugins: [trusted.plugin],
    prepareRequest: trusted.prepareHttpRequest,
    // Before apollo.start() resolves (so before /health/ready), and again at each reload.
    warmUp: trusted.warmUp,
    resolveOperation: trusted.resolveOperation,
    runnablePayload: trusted.runnablePayload,
  };
}
