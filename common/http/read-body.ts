import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../errors.ts';
import { HttpError } from './http-error.ts';

/**
 * Reads the request body, refusing (413) as soon as it passes the limit instead of buffering it all.
 * The rest of a refused body is discarded as it arrives, and the answer closes the connection
 * (see sendJson): a body not read to its end, a chunked one above all, cannot be skipped to find
 * the next request on a keep-alive connection.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      settle();
      req.resume(); // discard the rest while the refusal is sent
      reject(tooLarge(maxBytes));
    };
    const onEnd = () => {
      settle();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    const onClose = () => {
      settle();
      reject(new Error('the client closed the connection before the body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

const tooLarge = (maxBytes: number) => new HttpError(413, ErrorCode.payloadTooLarge, `Request body is larger than ${maxBytes} bytes.`);

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
