// A POST body read (and parsed) once: a middleware that had to read it to route the request (content
// negotiation) leaves it here for the Apollo handler, since a request's stream can be read only once.
import type { IncomingMessage } from 'node:http';
import type { ReadBody } from '../../common/http/apollo-handler.ts';

const bodies = new WeakMap<IncomingMessage, ReadBody>();

export const rememberBody = (req: IncomingMessage, parsed: unknown): void => void bodies.set(req, { parsed });

/** The body a middleware read already, or undefined (the handler reads it). */
export const bodyRead = (req: IncomingMessage): ReadBody | undefined => bodies.get(req);
