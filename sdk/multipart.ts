// Apollo's multipart subscription protocol, client side: the parts of a
// `multipart/mixed;boundary=…;subscriptionSpec="1.0"` response as they arrive. No server code.

/** One part's JSON body: `{}` (a heartbeat), `{ payload }` (a result), or `{ payload: null, errors }` (a fatal error). */
export interface MultipartSubscriptionPart<TResult> {
  readonly payload?: TResult | null;
  readonly errors?: readonly { message: string; extensions?: Readonly<Record<string, unknown>> }[];
}

/** The boundary a multipart content type names (`-` when it names none, as the spec's default). */
export function multipartBoundary(contentType: string): string {
  return /boundary="?([^";,\s]+)"?/i.exec(contentType)?.[1] ?? '-';
}

/** Yields each part's parsed JSON body until the closing delimiter (or the end of the body). */
export async function* multipartParts<TResult>(body: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<MultipartSubscriptionPart<TResult>> {
  const delimiter = `\r\n--${boundary}`;
  const decoder = new TextDecoder();
  let pending = '';
  const bodyOf = (part: string): MultipartSubscriptionPart<TResult> | undefined => {
    const headerEnd = part.indexOf('\r\n\r\n');
    const json = headerEnd === -1 ? '' : part.slice(headerEnd + 4).trim();
    return json ? (JSON.parse(json) as MultipartSubscriptionPart<TResult>) : undefined;
  };
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    for (;;) {
      const start = pending.indexOf(delimiter);
      if (start === -1) break;
      const afterDelimiter = start + delimiter.length;
      if (pending.startsWith('--', afterDelimiter)) return; // the closing delimiter
      const next = pending.indexOf(delimiter, afterDelimiter);
      if (next === -1) break; // this part is still arriving
      const parsed = bodyOf(pending.slice(afterDelimiter, next));
      pending = pending.slice(next);
      if (parsed) yield parsed;
    }
  }
}
