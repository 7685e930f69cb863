import { useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { CategoriesDocument, StorefrontProductsDocument, type ProductCardFragment } from '../../../sdk/generated/graphql.ts';
import { QueryProblems } from '../components.tsx';
import { formatMoney } from '../format.ts';
import { Link, navigate, useLocation } from '../router.tsx';

const PAGE_SIZE = 8;

export function StockBadge({ inventory }: { inventory: ProductCardFragment['inventory'] }) {
  if (!inventory) return <span className="stock unknown">Stock unavailable</span>;
  if (inventory.available === 0) return <span className="stock out">Out of stock</span>;
  return <span className="stock in">{inventory.available} in stock</span>;
}

/** The catalog: category and search live in the URL, pages go by cursor (the previous ones kept for Back). */
export function Catalog() {
  const { search } = useLocation();
  const category = search.get('category') ?? '';
  const term = search.get('q') ?? '';
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [draft, setDraft] = useState(term);
  const after = cursors[cursors.length - 1] ?? null;
  const categories = useQuery(CategoriesDocument);
  const { data, error, loading } = useQuery(StorefrontProductsDocument, {
    variables: { first: PAGE_SIZE, after, filter: { ...(category ? { categorySlug: category } : {}), ...(term ? { search: term } : {}) } },
  });

  const go = (next: { category?: string; q?: string }) => {
    const params = new URLSearchParams({ ...(category ? { category } : {}), ...(term ? { q: term } : {}), ...next });
    for (const [key, value] of [...params]) if (!value) params.delete(key);
    setCursors([null]);
    navigate(`/${params.size ? `?${params}` : ''}`);
  };
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    go({ q: draft.trim() });
  };
  const products = data?.products;

  return (
    <section aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <div className="toolbar">
        <form role="search" onSubmit={submitSearch}>
          <label htmlFor="search">Search by name</label>
          <input id="search" type="search" value={draft} onChange={(event) => setDraft(event.target.value)} placeholder="e.g. espresso" />
          <button type="submit">Search</button>
        </form>
        <label htmlFor="category">Category</label>
        <select id="category" value={category} onChange={(event) => go({ category: event.target.value })}>
          <option value="">All categories</option>
          {categories.data?.categories.map((entry) => (
            <option key={entry.id} value={entry.slug}>
              {entry.name}
            </option>
          ))}
        </select>
      </div>
      <QueryProblems error={error} hasData={Boolean(products)} />
      {loading && !products ? <p>Loading…</p> : null}
      {products ? (
        <>
          <p className="muted">{products.totalCount} products</p>
          <ul className="grid" aria-label="Products">
            {products.edges.map(({ node }) => (
              <li key={node.id} className="card">
                <Link to={`/products/${node.id}`}>
                  <strong>{node.name}</strong>
                </Link>
                <span className="muted">{node.category.name}</span>
                <span className="price">{formatMoney(node.price)}</span>
                <StockBadge inventory={node.inventory} />
              </li>
            ))}
          </ul>
          <nav className="pager" aria-label="Pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span>Page {cursors.length}</span>
            <button type="button" disabled={!products.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, products.pageInfo.endCursor])}>
              Next
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}
