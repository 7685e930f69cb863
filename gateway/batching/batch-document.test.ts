// The one request of a batch and the split of its answer: each query's own data and errors, at
// its own paths, as a subgraph answering it alone would give them; what cannot be told apart
// sends each query alone.
import { describe, expect, it } from 'vitest';
import { batchOf } from './batch-document.ts';

const entities = (type: string, field: string) => `query Q__s__${field}($representations:[_Any!]!){_entities(representations:$representations){...on ${type}{${field}}}}`;

describe('batched fetches', () => {
  it('send several queries as one, each under its own aliases, variables and fragments', () => {
    const batch = batchOf([
      { query: entities('A', 'x'), operationName: 'Q__s__x', variables: { representations: [{ __typename: 'A', id: '1' }] } },
      { query: 'query Q__s__0($first:Int){list(first:$first){...F}}fragment F on A{id x}', operationName: 'Q__s__0', variables: { first: 2 } },
    ])!;
    expect(batch.request.query).toBe(
      'query Q__s__x__batch2($_b0_representations:[_Any!]!$_b1_first:Int){_b0__entities:_entities(representations:$_b0_representations){...on A{x}}_b1_list:list(first:$_b1_first){..._b1_F}}fragment _b1_F on A{id x}',
    );
    expect(batch.request.variables).toEqual({ _b0_representations: [{ __typename: 'A', id: '1' }], _b1_first: 2 });
  });

  it('split the answer back: data in order, errors at each query own paths', () => {
    const batch = batchOf([
      { query: entities('A', 'x'), variables: { representations: [{}, {}] } },
      { query: entities('B', 'y'), variables: { representations: [{}] } },
    ])!;
    const answers = batch.split({
      data: { _b0__entities: [{ x: 1 }, null], _b1__entities: [null] },
      errors: [
        { message: 'second A failed', path: ['_b0__entities', 1], locations: [{ line: 1, column: 90 }], extensions: { code: 'E' } },
        { message: 'B failed', path: ['_b1__entities', 0, 'y'] },
      ],
    });
    expect(answers).toEqual([
      { data: { _entities: [{ x: 1 }, null] }, errors: [{ message: 'second A failed', path: ['_entities', 1], extensions: { code: 'E' } }] },
      { data: { _entities: [null] }, errors: [{ message: 'B failed', path: ['_entities', 0, 'y'] }] },
    ]);
  });

  it('send each alone when the answer cannot be split: no data (a failed non-null root field nulls all of them), an error without a path', () => {
    const batch = batchOf([{ query: entities('A', 'x') }, { query: entities('B', 'y') }])!;
    expect(batch.split({ data: null, errors: [{ message: 'failed', path: ['_b1__entities'] }] })).toBeUndefined();
    expect(batch.split({ errors: [{ message: 'invalid' }] })).toBeUndefined();
    expect(batch.split({ data: { _b0__entities: [], _b1__entities: [] }, errors: [{ message: 'somewhere' }] })).toBeUndefined();
  });

  it('never batches a mutation, a lone query or a document it cannot parse', () => {
    expect(batchOf([{ query: entities('A', 'x') }])).toBeUndefined();
    expect(batchOf([{ query: entities('A', 'x') }, { query: 'mutation M{do}' }])).toBeUndefined();
    expect(batchOf([{ query: entities('A', 'x') }, { query: 'query {' }])).toBeUndefined();
  });
});
