import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, errorBody } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { lingerThenClose } from './lingering-close.ts';

interface ClientError extends Error {
  readonly code?: string;
  /** The bytes the parser failed on (Node sets it on parser errors). */
  readonly rawPacket?: Buffer;
}

/** Longest request line taken for a long header section rather than a long URI. */
const LONGEST_REQUEST_LINE = 8 * 1024;

function refusalFor(error: ClientError): { status: number; code: ErrorCode; message: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW': {
      const lineEnd = error.rawPacket?.subarray(0, LONGEST_REQUEST_LINE + 1).indexOf('\n') ?? -1;
      const startsRequest = /^[A-Z]+ /.test(error.rawPacket?.subarray(0, 16).toString('latin1') ?? '');
      return startsRequest && lineEnd === -1
        ? { status: 414, code: ErrorCode.badRequest, message: 'The request URI is too long.' }
        : { status: 431, code: ErrorCode.badRequest, message: 'The request header fields are too large.' };
    }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, code: ErrorCode.payloadTooLarge, message: 'The chunk extensions are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: ErrorCode.badRequest, message: 'The request took too long to arrive.' };
    default:
      return { status: 400, code: ErrorCode.badRequest, message: 'The request is not valid HTTP/1.1.' };
  }
}

/**
 * Answers what Node's HTTP parser refuses (a header without a colon, a lone CR, two Content-Lengths,
 * an unknown method, a 64 KB request line, a slow request) with a status and a GraphQL-style JSON
 * error, `Connection: close`, and a request id that the log line names; then lets the connection
 * linger so that a client still sending sees the answer. Never ends the process.
 */
export function answerClientErrors(server: Server, log: Logger): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    // A parser in error refuses every later chunk again: the connection is answered once.
    if (answered.has(socket)) return;
    answered.add(socket);
    // Node's own rule: raw bytes only where no response has started on this connection.
    const responding = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage?.headersSent === true;
    if (error.code === 'ECONNRESET' || !socket.writable || responding) {
      socket.destroy();
      return;
    }
    const { status, code, message } = refusalFor(error);
    const requestId = randomUUID();
    log.info({ requestId, status, reason: error.code ?? error.message }, 'malformed HTTP request refused');
    const body = errorBody(code, message);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
    lingerThenClose(socket);
  });
}
