import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../errors.ts';
import { HttpError } from './http-error.ts';

/** Reads the request body, refusing (413) as soon as it passes the limit instead of buffering it all. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) {
      req.resume(); // drain the rest so the socket can answer
      throw tooLarge(maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = (maxBytes: number) =>
  new HttpError(413, ErrorCode.payloadTooLarge, `Request body is larger than ${maxBytes} bytes.`);

/** Parses a JSON body; an unparseable one is the client's fault (400), not ours. */
export function parseJsonBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if (!contentType?.toLowerCase().includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, ErrorCode.badRequest, 'The request body is not valid JSON.');
  }
}
