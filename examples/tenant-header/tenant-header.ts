// A gateway feature written outside gateway/: the client's tenant id, validated, carried to the
// subgraphs chosen here only. Its `context` reads and checks the client's header once per request
// and keeps the tenant in the request's fetch scope; its `headers`-stage fetch layer adds it to the
// fetches to those subgraphs. The gateway forwards no client header by itself (the transport sends
// only its own), so a tenant header a client sends reaches nothing but what this feature sends.
import { ErrorCode } from '../../common/errors.ts';
import { HttpError } from '../../common/http/http-error.ts';
import type { GatewayFeature } from '../../gateway/feature.ts';
import type { FetchLayer } from '../../gateway/fetch/fetch-types.ts';

export interface TenantHeaderSettings {
  /** The subgraphs that receive the tenant; every other one never does. */
  readonly subgraphs: readonly string[];
  /** The client's header and the one sent to those subgraphs (lower case). */
  readonly header?: string;
}

/** 1 to 64 letters, digits, `-` or `_`, starting with a letter or digit. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function createTenantHeader(settings: TenantHeaderSettings): GatewayFeature {
  const header = settings.header ?? 'x-tenant-id';
  const chosen = new Set(settings.subgraphs);
  // The feature's own entry in each request's fetch scope: no other layer reads or writes it.
  const key = Symbol('tenant');

  const layer: FetchLayer = {
    stage: 'headers',
    handle(fetch, next) {
      const tenant = chosen.has(fetch.subgraph) ? fetch.caller.scope?.entries.get(key) : undefined;
      if (typeof tenant !== 'string') return next(fetch);
      return next({ ...fetch, headers: { ...fetch.headers, [header]: tenant } });
    },
  };

  return {
    name: 'tenant-header',
    context(req, context) {
      const value = req.headers[header];
      if (value === undefined) return {};
      if (typeof value !== 'string' || !TENANT.test(value)) {
        throw new HttpError(400, ErrorCode.badRequest, `${header}: expected one value of 1 to 64 letters, digits, "-" or "_"`);
      }
      // The gateway gives each HTTP request a fetch scope; one is made here if it did not.
      const scope = context.fetchScope ?? { entries: new Map<symbol, unknown>() };
      scope.entries.set(key, value);
      return { fetchScope: scope };
    },
    fetch: layer,
  };
}
