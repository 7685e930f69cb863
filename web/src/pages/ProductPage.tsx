import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { StorefrontProductDocument } from '../../../sdk/generated/graphql.ts';
import { useCart } from '../cart.ts';
import { QueryProblems } from '../components.tsx';
import { formatMoney } from '../format.ts';
import { Link } from '../router.tsx';
import { StockBadge } from './Catalog.tsx';

// Stock changes as others buy: the page reads it again every few seconds while open.
const STOCK_POLL_MS = 5_000;

export function ProductPage({ id }: { id: string }) {
  const { data, error, loading } = useQuery(StorefrontProductDocument, { variables: { id }, pollInterval: STOCK_POLL_MS });
  const cart = useCart();
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const [failed, setFailed] = useState(false);
  const product = data?.product;
  if (loading && !data) return <p>Loading…</p>;
  if (!product) {
    return (
      <>
        <QueryProblems error={error} hasData={false} />
        {!error ? (
          <p>
            This product does not exist. <Link to="/">Back to the catalog</Link>
          </p>
        ) : null}
      </>
    );
  }
  const soldOut = product.inventory?.available === 0;
  return (
    <article aria-labelledby="product-title">
      <p>
        <Link to={`/?category=${product.category.slug}`}>{product.category.name}</Link>
      </p>
      <h1 id="product-title">{product.name}</h1>
      <QueryProblems error={error} hasData />
      <p className="price">{formatMoney(product.price)}</p>
      <p>
        <StockBadge inventory={product.inventory} />
      </p>
      <p>{product.description}</p>
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setAdded(false);
          cart.add({ productId: product.id, name: product.name, unitPrice: product.price }, quantity).then(
            () => setAdded(true),
            () => setFailed(true),
          );
        }}
      >
        <label htmlFor="quantity">Quantity</label>
        <input id="quantity" type="number" min={1} max={100} value={quantity} onChange={(event) => setQuantity(Math.max(1, Number(event.target.value) || 1))} />
        <button type="submit" disabled={soldOut}>
          Add to cart
        </button>
      </form>
      {failed ? (
        <p className="notice error" role="alert">
          The cart could not be changed; try again.
        </p>
      ) : null}
      {added ? (
        <p role="status">
          Added. <Link to="/cart">View cart ({cart.count})</Link>
        </p>
      ) : null}
    </article>
  );
}
