import { resolve } from 'node:path';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { print } from 'graphql';
import { expect, it } from 'vitest';
import { StorefrontOrderStatusDocument } from '../../sdk/generated/graphql.ts';
import { storefrontManifest, storefrontManifestIsCurrent } from './storefront-documents.ts';

const root = resolve(import.meta.dirname, '../..');

it('keeps trusted-documents/storefront.json what npm run codegen writes', async () => {
  expect(await storefrontManifestIsCurrent(root)).toBe(true);
});

it('lists each operation as Apollo Client runs it: with the __typename its cache adds', () => {
  const entry = storefrontManifest().operations.find((operation) => operation.name === 'StorefrontOrderStatus');
  expect(entry?.type).toBe('subscription');
  const sent = print(addTypenameToDocument(StorefrontOrderStatusDocument));
  // The same selections (the manifest's text is sorted and collapsed, as the SDK's manifest is).
  for (const field of ['__typename', 'statusHistory', 'trackingNumber']) expect(entry?.body.includes(field) && sent.includes(field)).toBe(true);
});
