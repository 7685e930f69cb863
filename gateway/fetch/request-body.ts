import type { SubgraphRequest } from './fetch-types.ts';

// A request's JSON body, written once when a layer above the transport needs it too (dedup's key):
// the transport reuses it instead of serializing the variables again.
const written = new WeakMap<SubgraphRequest, string>();

const write = (request: SubgraphRequest) => JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });

/** The body, kept for the transport of this same request object. */
export function rememberedBody(request: SubgraphRequest): string {
  let body = written.get(request);
  if (body === undefined) {
    body = write(request);
    written.set(request, body);
  }
  return body;
}

/** The body the transport sends: the remembered one, else written now (and not kept). */
export const bodyOf = (request: SubgraphRequest): string => written.get(request) ?? write(request);
