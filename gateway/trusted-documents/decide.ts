// What to do with one GraphQL request, by its id or its text, before anything parses it: a hash and
// a map look-up. Shared by HTTP (POST and GET) and every subscription transport.
import { ErrorCode } from '../../common/errors.ts';
import { sha256Hex, type TrustedDocument } from './manifests.ts';
import type { PersistedDocumentMode } from './settings.ts';

/** The fields of a GraphQL request that matter here (POST body, GET parameters, a graphql-ws payload). */
export interface RequestPayload {
  readonly query?: unknown;
  readonly operationName?: unknown;
  /** GraphQL over HTTP persisted documents: `sha256:<hex>` (bare hex accepted too). */
  readonly documentId?: unknown;
  /** Apollo's `persistedQuery: { version: 1, sha256Hash }` lives here. */
  readonly extensions?: unknown;
  readonly [field: string]: unknown;
}

export type Decision =
  /** Runs the manifest's text (`payload` has it as `query`, the id fields gone). */
  | { readonly kind: 'persisted'; readonly document: TrustedDocument; readonly payload: RequestPayload }
  /** Runs as sent: an arbitrary operation, or an APQ look-up/registration Apollo Server answers. */
  | { readonly kind: 'ad-hoc'; readonly hash: string | undefined; readonly payload: RequestPayload }
  /** Nothing to run (no query, no id): whatever serves the request says what is missing. */
  | { readonly kind: 'empty'; readonly payload: RequestPayload }
  | { readonly kind: 'refused'; readonly status: 400; readonly code: ErrorCode; readonly message: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function persistedQueryOf(extensions: unknown): Record<string, unknown> | undefined {
  const persisted = isRecord(extensions) ? extensions['persistedQuery'] : undefined;
  return isRecord(persisted) ? persisted : undefined;
}

/** The id a request names, lower-case hex, and how it named it. */
function requestedId(payload: RequestPayload): { id: string; via: 'documentId' | 'apq' } | undefined {
  if (typeof payload.documentId === 'string') {
    // Only sha256 ids exist here; another prefix names nothing we know.
    const hex = payload.documentId.startsWith('sha256:') ? payload.documentId.slice('sha256:'.length) : payload.documentId;
    return { id: hex.toLowerCase(), via: 'documentId' };
  }
  const hash = persistedQueryOf(payload.extensions)?.['sha256Hash'];
  return typeof hash === 'string' ? { id: hash.toLowerCase(), via: 'apq' } : undefined;
}

/** The request with the manifest's text and none of the id fields (so Apollo's APQ never sees it). */
function runAsPersisted(document: TrustedDocument, payload: RequestPayload): Decision {
  const { documentId: _documentId, extensions, ...rest } = payload;
  const { persistedQuery: _persistedQuery, ...otherExtensions } = isRecord(extensions) ? extensions : {};
  return {
    kind: 'persisted',
    document,
    payload: {
      ...rest,
      query: document.body,
      // The plan cache is keyed by text and name: the warm-up planned it under the manifest's name.
      operationName: typeof payload.operationName === 'string' && payload.operationName !== '' ? payload.operationName : document.name,
      ...(Object.keys(otherExtensions).length > 0 ? { extensions: otherExtensions } : {}),
    },
  };
}

const mismatch = (knownId: boolean): Decision => ({
  kind: 'refused',
  status: 400,
  code: ErrorCode.persistedQueryHashMismatch,
  message: knownId
    ? "The text sent is not this id's document: send the id alone, or the document's own text."
    : 'The sha256 of the text sent is not the id sent with it: send the text with its own hash.',
});

const notInList = (message: string): Decision => ({ kind: 'refused', status: 400, code: ErrorCode.persistedQueryNotInList, message });

export function decide(byId: ReadonlyMap<string, TrustedDocument>, mode: Exclude<PersistedDocumentMode, 'off'>, payload: RequestPayload): Decision {
  const query = typeof payload.query === 'string' && payload.query !== '' ? payload.query : undefined;
  const named = requestedId(payload);
  if (named) {
    const document = byId.get(named.id);
    if (document && (query === undefined || query === document.body)) return runAsPersisted(document, payload);
    // An id and a text that disagree: neither is run, and the answer says so (Apollo's own APQ check
    // would answer INTERNAL_SERVER_ERROR). Under `require` it stays a refusal of what no client ships.
    if (query !== undefined && sha256Hex(query) !== named.id) {
      if (mode !== 'require') return mismatch(document !== undefined);
      if (document) return notInList("This gateway runs only the operations its clients ship, and the text sent is not this id's document.");
    }
    if (mode === 'require') {
      return notInList(
        query === undefined
          ? 'This gateway runs only the operations its clients ship, and this id is not one of them.'
          : 'This gateway runs only the operations its clients ship: registering another one (automatic persisted queries) is refused.',
      );
    }
    if (named.via === 'documentId') {
      return { kind: 'refused', status: 400, code: ErrorCode.persistedQueryNotFound, message: 'No persisted document has this id: send the operation as `query`.' };
    }
    // Apollo Server's automatic persisted queries: it looks the hash up, or registers the text.
    return { kind: 'ad-hoc', hash: named.id, payload };
  }
  if (query === undefined) return { kind: 'empty', payload };
  const hash = sha256Hex(query);
  const document = byId.get(hash);
  if (document && document.body === query) return runAsPersisted(document, payload);
  if (mode === 'require') return notInList('This gateway runs only the operations its clients ship: send a persisted document id, or the exact text of one.');
  return { kind: 'ad-hoc', hash, payload };
}
