// A client of Apollo's multipart subscription protocol, reading the response the way Apollo Client
// does (parts split on "\r\n--<boundary>", headers then a JSON body; "--<boundary>--" ends it).
import { arrivals } from './arrivals.ts';

export interface MultipartPart {
  readonly payload?: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> } | null;
  readonly errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export type MultipartSubscription =
  | { readonly kind: 'json'; readonly status: number; readonly body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } }
  | {
      readonly kind: 'multipart';
      readonly status: number;
      readonly contentType: string;
      /** Every part so far, heartbeats (`{}`) included. */
      readonly parts: MultipartPart[];
      /** Resolves when the server ends the response: `terminated` when it sent the closing boundary. */
      readonly ended: Promise<{ terminated: boolean }>;
      /** Resolves once `done(parts)` holds; fails after `timeoutMs`, or when the response ends first. */
      until(done: (parts: readonly MultipartPart[]) => boolean, timeoutMs?: number): Promise<MultipartPart[]>;
      /** The response body as received so far. */
      raw(): string;
      /** The client goes away. */
      abort(): void;
    };

export async function subscribeMultipart(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<MultipartSubscription> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    signal: controller.signal,
    headers: {
      'content-type': 'application/json',
      accept: 'multipart/mixed;subscriptionSpec="1.0", application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('multipart/mixed')) return { kind: 'json', status: response.status, body: (await response.json()) as never };

  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1] ?? '-';
  const arrived = arrivals<MultipartPart>();
  let received = '';
  const ended = (async () => {
    let buffer = '';
    let terminated = false;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        received += text;
        buffer += text;
        let at: number;
        // Each complete part lies between two delimiters; the last one may still be arriving.
        while ((at = buffer.indexOf(`\r\n--${boundary}`, 1)) !== -1 || buffer.startsWith(`\r\n--${boundary}--`)) {
          if (buffer.startsWith(`\r\n--${boundary}--`)) {
            terminated = true;
            buffer = '';
            break;
          }
          const part = buffer.slice(0, at);
          buffer = buffer.slice(at);
          const body = part.slice(part.indexOf('\r\n\r\n') + 4);
          arrived.add(JSON.parse(body) as MultipartPart);
        }
      }
      if (buffer.trim().length > 0 && !terminated) {
        const body = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
        if (body.trim()) arrived.add(JSON.parse(body) as MultipartPart);
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
    arrived.close();
    return { terminated };
  })();

  return {
    kind: 'multipart',
    status: response.status,
    contentType,
    parts: arrived.items,
    ended,
    until: (done, timeoutMs = 15_000) => arrived.until(done, timeoutMs, async () => 'the response ended first'),
    raw: () => received,
    abort: () => controller.abort(),
  };
}
