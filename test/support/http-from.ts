import { request, type IncomingHttpHeaders } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * One HTTP request on a connection of its own from `from`, a local address (on Linux any 127.0.0.x
 * is loopback): a browser on another host, as the server sees it. A body is sent as JSON.
 */
export function askFrom(
  url: string,
  { method = 'POST', body, headers = {}, from = '127.0.0.1' }: { method?: string; body?: string; headers?: Record<string, string>; from?: string } = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      url,
      { method, agent: false, localAddress: from, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
