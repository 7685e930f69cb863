import { request } from 'node:http';

export interface RequestInFlight {
  /** Sends the body; resolves with the whole answer (rejects if the connection is cut instead). */
  finish(): Promise<{ status: number; body: string }>;
}

/**
 * A GraphQL POST the server has begun (it has parsed the headers and answered `100 Continue`)
 * whose body is still to come: a request in flight for as long as the test wants, with no
 * timing involved. What a stop does to it shows whether the stop is graceful.
 */
export async function requestInFlight(url: string, query: string | Record<string, unknown>, headers: Record<string, string> = {}): Promise<RequestInFlight> {
  // A query text, or a whole GraphQL request body (e.g. a persisted document id).
  const body = JSON.stringify(typeof query === 'string' ? { query } : query);
  const req = request(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), expect: '100-continue' },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.once('error', reject);
    });
  });
  answered.catch(() => {}); // observed by finish()
  await new Promise<void>((resolve, reject) => {
    req.once('continue', resolve);
    answered.catch(reject);
    req.flushHeaders();
  });
  return {
    finish() {
      req.end(body);
      return answered;
    },
  };
}
