import { useEffect } from 'react';
import { useCart } from '../cart.ts';
import { formatMoney } from '../format.ts';
import { Link } from '../router.tsx';

export function CartPage() {
  const cart = useCart({ live: true });
  // Read it again on arrival: another tab, device or a cancelled order may have changed it.
  const { refresh } = cart;
  useEffect(refresh, []); // eslint-disable-line react-hooks/exhaustive-deps -- on arrival only
  if (cart.lines.length === 0) {
    return (
      <section aria-labelledby="cart-title">
        <h1 id="cart-title">Your cart</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the catalog</Link>
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="cart-title">
      <h1 id="cart-title">Your cart</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Unit price</th>
            <th scope="col">Quantity</th>
            <th scope="col">Total</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {cart.lines.map((line) => (
            <tr key={line.productId}>
              <td>
                <Link to={`/products/${line.productId}`}>{line.name}</Link>
              </td>
              <td>{formatMoney(line.unitPrice)}</td>
              <td>
                <label className="visually-hidden" htmlFor={`qty-${line.productId}`}>
                  Quantity of {line.name}
                </label>
                <input
                  id={`qty-${line.productId}`}
                  type="number"
                  min={1}
                  max={100}
                  value={line.quantity}
                  onChange={(event) => cart.setQuantity(line.productId, Math.max(1, Number(event.target.value) || 1))}
                />
              </td>
              <td>{formatMoney({ amount: line.unitPrice.amount * line.quantity, currency: line.unitPrice.currency })}</td>
              <td>
                <button type="button" className="link" onClick={() => cart.remove(line.productId)}>
                  Remove<span className="visually-hidden"> {line.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="subtotal">
        Subtotal: <strong data-testid="subtotal">{formatMoney(cart.subtotal)}</strong>
      </p>
      <p className="muted">Prices are confirmed at checkout.</p>
      <Link to="/checkout" className="button">
        Checkout
      </Link>
    </section>
  );
}
