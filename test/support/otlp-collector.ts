import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedExport {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

export interface OtlpCollector {
  /** What OTEL_EXPORTER_OTLP_ENDPOINT should say. */
  readonly endpoint: string;
  /** Every POST, in order. */
  readonly received: ReceivedExport[];
  close(): Promise<void>;
}

/** A stand-in OpenTelemetry collector on loopback: records what OTLP/HTTP exporters post, answers 200. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const received: ReceivedExport[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
