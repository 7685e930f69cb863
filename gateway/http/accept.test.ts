import { describe, expect, it } from 'vitest';
import { eventStreamFraming, multipartFraming, responseFramingFor } from '../subscriptions/http-stream-framing.ts';
import { parseAccept } from './accept.ts';

const URQL = 'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';
const URQL_SUBSCRIPTION = 'text/event-stream, multipart/mixed';
const APOLLO_CLIENT_SUBSCRIPTION = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/graphql-response+json,application/json;q=0.9';

describe('Accept header', () => {
  it('reads ranges with parameters, quoted values and qualities', () => {
    expect(parseAccept('multipart/mixed;boundary="a,b";subscriptionSpec="1.0", application/json;q=0.5, bogus')).toEqual([
      { type: 'multipart', subtype: 'mixed', params: { boundary: 'a,b', subscriptionspec: '1.0' }, q: 1, index: 0 },
      { type: 'application', subtype: 'json', params: {}, q: 0.5, index: 1 },
    ]);
  });
});

describe('how a POST is answered', () => {
  it('gives queries and mutations a plain response whenever JSON is acceptable, whatever streams the client also lists', () => {
    for (const type of ['query', 'mutation'] as const) {
      for (const accept of [URQL, APOLLO_CLIENT_SUBSCRIPTION, 'text/event-stream, application/json;q=0.1', '*/*', undefined, 'application/*']) {
        expect(responseFramingFor(accept, type), `${type} with ${accept}`).toBeUndefined();
      }
    }
  });

  it('streams a subscription in the framing the client prefers, by q-value and then by order', () => {
    expect(responseFramingFor(URQL, 'subscription')).toBe(eventStreamFraming);
    expect(responseFramingFor(URQL_SUBSCRIPTION, 'subscription')).toBe(eventStreamFraming);
    expect(responseFramingFor(APOLLO_CLIENT_SUBSCRIPTION, 'subscription')).toBe(multipartFraming);
    expect(responseFramingFor('text/event-stream;q=0.5, multipart/mixed;subscriptionSpec="1.0"', 'subscription')).toBe(multipartFraming);
    expect(responseFramingFor('multipart/mixed;subscriptionSpec=1.0;q=0.2, text/event-stream;q=0.3', 'subscription')).toBe(eventStreamFraming);
  });

  it('does not stream what the client did not ask for: no wildcard, no multipart without subscriptionSpec, no q=0', () => {
    for (const accept of ['*/*', 'text/*', 'multipart/mixed', 'multipart/mixed;deferSpec=20220824', 'text/event-stream;q=0, application/json', undefined]) {
      expect(responseFramingFor(accept, 'subscription'), String(accept)).toBeUndefined();
    }
  });

  it('sends an operation it cannot type to the stream handler only when the client accepts nothing but a stream', () => {
    expect(responseFramingFor('text/event-stream', undefined)).toBe(eventStreamFraming);
    expect(responseFramingFor('text/event-stream', 'query')).toBe(eventStreamFraming);
    expect(responseFramingFor(URQL, undefined)).toBeUndefined();
    expect(responseFramingFor('application/json;q=0, text/event-stream', 'query')).toBe(eventStreamFraming);
  });
});
