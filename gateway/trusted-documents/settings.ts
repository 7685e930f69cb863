/**
 * `off`: no checks, the unit is absent. `log`: anything runs; operations in no manifest are logged
 * and counted (the staging mode). `allow`: anything runs; known ids are resolved. `require`: only
 * known ids, or a body identical to a manifest entry; anything else is refused before it is parsed.
 */
export const PERSISTED_DOCUMENT_MODES = ['off', 'log', 'allow', 'require'] as const;
export type PersistedDocumentMode = (typeof PERSISTED_DOCUMENT_MODES)[number];

/** A client's manifest file, or a directory of them (`<client>.json` each). */
export type ManifestSource = { readonly client: string; readonly file: string } | { readonly directory: string };

export interface TrustedDocumentSettings {
  readonly mode: PersistedDocumentMode;
  readonly manifests: readonly ManifestSource[];
  /** `Cache-Control: public, max-age` of an anonymous GET by id that succeeded; 0: never cacheable. */
  readonly cacheMaxAgeSeconds: number;
}
