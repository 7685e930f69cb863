// Distinct representations go once; the answer comes back as if every copy had been sent: one
// entity object per representation (never shared: later fetches merge into each), and errors
// spread to every representation they name, in representation order.
import { describe, expect, it } from 'vitest';
import { uniqueRepresentations } from './unique-representations.ts';

const user = (id: string) => ({ __typename: 'User', id });

describe('uniqueRepresentations', () => {
  it('leaves a fetch whose representations are all distinct as it is', () => {
    expect(uniqueRepresentations([user('1'), user('2')])).toBeUndefined();
  });

  it('sends each distinct representation once and answers every copy with its own object', () => {
    const deduplicated = uniqueRepresentations([user('1'), user('2'), user('1'), user('1')])!;
    expect(deduplicated.unique).toEqual([user('1'), user('2')]);
    const answer = deduplicated.expand({
      data: {
        _entities: [
          { name: 'a', friends: [{ id: '9' }] },
          { name: 'b', friends: [] },
        ],
      },
    });
    const entities = answer.data?.['_entities'] as { name: string; friends: unknown[] }[];
    expect(entities.map((entity) => entity.name)).toEqual(['a', 'b', 'a', 'a']);
    expect(entities[2]).toEqual(entities[0]);
    expect(entities[2]).not.toBe(entities[0]);
    expect(entities[3]!.friends).not.toBe(entities[0]!.friends);
  });

  it('keeps a `__proto__` key of the answer as data in every copy', () => {
    const deduplicated = uniqueRepresentations([user('1'), user('1')])!;
    const answer = deduplicated.expand({ data: { _entities: [JSON.parse('{"__proto__": {"polluted": true}, "name": "a"}')] } });
    const copy = (answer.data?.['_entities'] as object[])[1]!;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(copy, '__proto__')).toBe(true);
  });

  it('spreads an error at an entity to every representation sent as it, in representation order, where the first stood', () => {
    const deduplicated = uniqueRepresentations([user('1'), user('2'), user('1')])!;
    const answer = deduplicated.expand({
      data: { _entities: [null, { name: 'b' }] },
      errors: [{ message: 'before' }, { message: 'one', path: ['_entities', 0, 'name'] }, { message: 'two', path: ['_entities', 1] }, { message: 'after', path: ['_entities'] }],
    });
    expect(answer.errors?.map((error) => [error.message, error.path])).toEqual([
      ['before', undefined],
      ['one', ['_entities', 0, 'name']],
      ['two', ['_entities', 1]],
      ['one', ['_entities', 2, 'name']],
      ['after', ['_entities']],
    ]);
    expect(answer.data?.['_entities']).toEqual([null, { name: 'b' }, null]);
  });

  it('passes an answer of another length on unchanged (the executor reports it)', () => {
    const deduplicated = uniqueRepresentations([user('1'), user('1')])!;
    const wrong = { data: { _entities: [{}, {}, {}] } };
    expect(deduplicated.expand(wrong)).toBe(wrong);
  });
});
