import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import {
  CategoryTreeDocument,
  CreateCategoryDocument,
  CreateProductDocument,
  DeleteCategoryDocument,
  MoveCategoryDocument,
  RenameCategoryDocument,
  RestockDocument,
  type CategoryTreeQuery,
} from '../../../sdk/generated/graphql.ts';
import { errorMessage } from '../components.tsx';
import { formatMoney } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.tsx';

type CategoryRow = CategoryTreeQuery['categories'][number];
interface TreeRow {
  readonly category: CategoryRow;
  readonly depth: number;
}

/** The categories in tree order (each parent followed by its subcategories, by name), with their depth. */
function treeOrder(categories: readonly CategoryRow[]): TreeRow[] {
  const ids = new Set(categories.map((category) => category.id));
  const childrenOf = (parentId: string | null) =>
    categories.filter((category) => (category.parent && ids.has(category.parent.id) ? category.parent.id : null) === parentId).sort((a, b) => a.name.localeCompare(b.name));
  const rows: TreeRow[] = [];
  const visit = (parentId: string | null, depth: number) => {
    for (const category of childrenOf(parentId)) {
      rows.push({ category, depth });
      visit(category.id, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

/** "12.50" -> 1250 minor units; null when it is not an amount. */
function minorUnits(text: string): number | null {
  if (!/^\d+(\.\d{1,2})?$/.test(text.trim())) return null;
  return Math.round(Number(text.trim()) * 100);
}

// Every change reloads the tree: a move or a deletion changes more than the one category's fields.
const refetchTree = { refetchQueries: [CategoryTreeDocument], awaitRefetchQueries: true };

// One line per category: its three actions side by side, wrapping on a narrow screen.
const ROW = { display: 'flex', flexWrap: 'wrap', gap: '0.5rem', alignItems: 'center' } as const;

/** The categories as options of a select, indented by depth in the tree. */
function CategoryOptions({ rows }: { rows: readonly TreeRow[] }) {
  return rows.map((row) => (
    <option key={row.category.id} value={row.category.id}>
      {'\u00a0'.repeat(row.depth * 2)}
      {row.category.name}
    </option>
  ));
}

function CategoryItem({ row, rows }: { row: TreeRow; rows: readonly TreeRow[] }) {
  const { category, depth } = row;
  const [name, setName] = useState(category.name);
  const [slug, setSlug] = useState(category.slug);
  const [parentId, setParentId] = useState(category.parent?.id ?? '');
  const [rename, renaming] = useMutation(RenameCategoryDocument, refetchTree);
  const [move, moving] = useMutation(MoveCategoryDocument, refetchTree);
  const [remove, removing] = useMutation(DeleteCategoryDocument, refetchTree);
  const failure = renaming.error ?? moving.error ?? removing.error;
  const busy = renaming.loading || moving.loading || removing.loading;
  const label = `category ${category.name}`;
  return (
    <li style={{ marginLeft: `${depth * 1.5}rem` }} data-testid="admin-category">
      <strong>{category.name}</strong> <code>{category.slug}</code>
      <div style={ROW}>
        <form
          className="inline"
          aria-label={`Rename ${label}`}
          onSubmit={(event) => {
            event.preventDefault();
            void rename({ variables: { id: category.id, name, slug: slug === category.slug ? null : slug } }).catch(() => undefined);
          }}
        >
          <input aria-label="Name" value={name} onChange={(event) => setName(event.target.value)} required maxLength={100} />
          <input aria-label="Slug" value={slug} onChange={(event) => setSlug(event.target.value)} required maxLength={64} />
          <button type="submit" disabled={busy}>
            Rename
          </button>
        </form>
        <form
          className="inline"
          aria-label={`Move ${label}`}
          onSubmit={(event) => {
            event.preventDefault();
            void move({ variables: { id: category.id, parentId: parentId || null } }).catch(() => undefined);
          }}
        >
          <select aria-label="Parent" value={parentId} onChange={(event) => setParentId(event.target.value)}>
            <option value="">(top level)</option>
            <CategoryOptions rows={rows.filter((other) => other.category.id !== category.id)} />
          </select>
          <button type="submit" disabled={busy}>
            Move
          </button>
        </form>
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            if (window.confirm(`Delete the category "${category.name}"? Only an empty one can be deleted.`)) void remove({ variables: { id: category.id } }).catch(() => undefined);
          }}
        >
          Delete
        </button>
      </div>
      {failure ? (
        <p className="notice error" role="alert">
          {errorMessage(failure)}
        </p>
      ) : null}
    </li>
  );
}

function NewCategory({ rows }: { rows: readonly TreeRow[] }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [parentId, setParentId] = useState('');
  const [create, creating] = useMutation(CreateCategoryDocument, refetchTree);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create({ variables: { input: { name, ...(slug.trim() ? { slug: slug.trim() } : {}), ...(parentId ? { parentId } : {}) } } }).then(
      () => {
        setName('');
        setSlug('');
      },
      () => undefined,
    );
  };
  return (
    <form onSubmit={submit} className="inline" aria-label="New category">
      <label htmlFor="new-category-name">New category</label>
      <input id="new-category-name" value={name} onChange={(event) => setName(event.target.value)} required maxLength={100} placeholder="Name" />
      <input aria-label="Slug (optional)" value={slug} onChange={(event) => setSlug(event.target.value)} maxLength={64} placeholder="slug (optional)" />
      <select aria-label="Under" value={parentId} onChange={(event) => setParentId(event.target.value)}>
        <option value="">(top level)</option>
        <CategoryOptions rows={rows} />
      </select>
      <button type="submit" disabled={creating.loading}>
        Create category
      </button>
      {creating.error ? (
        <p className="notice error" role="alert">
          {errorMessage(creating.error)}
        </p>
      ) : null}
    </form>
  );
}

function NewProduct({ rows }: { rows: readonly TreeRow[] }) {
  const [form, setForm] = useState({ sku: '', name: '', description: '', price: '', categoryId: '', stock: '0' });
  const [problem, setProblem] = useState<string | null>(null);
  const [create, creating] = useMutation(CreateProductDocument);
  const [restock, restocking] = useMutation(RestockDocument);
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });
  const created = creating.data?.createProduct;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const priceAmount = minorUnits(form.price);
    const stock = Number(form.stock);
    if (priceAmount === null) return setProblem('Enter the price as an amount, e.g. 12.50.');
    if (!Number.isInteger(stock) || stock < 0) return setProblem('Enter the stock as a whole number, 0 or more.');
    setProblem(null);
    const result = await create({
      variables: { input: { sku: form.sku, name: form.name, description: form.description, priceAmount, categoryId: form.categoryId } },
    }).catch(() => undefined);
    const id = result?.data?.createProduct.id;
    if (id && stock > 0) await restock({ variables: { productId: id, quantity: stock } }).catch(() => undefined);
    if (id) setForm({ ...form, sku: '', name: '', description: '', price: '', stock: '0' });
  };
  const failure = creating.error ?? restocking.error;
  return (
    <form onSubmit={(event) => void submit(event)} className="card wide" aria-label="New product">
      <h2>New product</h2>
      <label htmlFor="product-sku">SKU</label>
      <input id="product-sku" value={form.sku} onChange={set('sku')} required maxLength={64} />
      <label htmlFor="product-name">Name</label>
      <input id="product-name" value={form.name} onChange={set('name')} required maxLength={200} />
      <label htmlFor="product-description">Description</label>
      <textarea id="product-description" value={form.description} onChange={set('description')} required maxLength={5000} />
      <label htmlFor="product-price">Price (USD)</label>
      <input id="product-price" value={form.price} onChange={set('price')} required inputMode="decimal" placeholder="12.50" />
      <label htmlFor="product-category">Category</label>
      <select id="product-category" value={form.categoryId} onChange={set('categoryId')} required>
        <option value="">Choose…</option>
        <CategoryOptions rows={rows} />
      </select>
      <label htmlFor="product-stock">Units in stock</label>
      <input id="product-stock" value={form.stock} onChange={set('stock')} inputMode="numeric" />
      <button type="submit" disabled={creating.loading || restocking.loading || rows.length === 0}>
        Create product
      </button>
      {problem || failure ? (
        <p className="notice error" role="alert">
          {problem ?? errorMessage(failure!)}
        </p>
      ) : null}
      {created && !failure ? (
        <p role="status">
          Created <Link to={`/products/${created.id}`}>{created.name}</Link> at {formatMoney(created.price)} in {created.category.name}
          {restocking.data ? `, ${restocking.data.restock.available} in stock` : ''}.
        </p>
      ) : null}
    </form>
  );
}

/** Admins manage the catalog here: the category tree (create, rename, move, delete when empty) and new products. */
export function AdminCatalog() {
  const { user } = useSession();
  const tree = useQuery(CategoryTreeDocument, { fetchPolicy: 'cache-and-network', skip: user?.role !== 'ADMIN' });
  if (user?.role !== 'ADMIN') return <p role="alert">This page is for admins. Log in with an admin account.</p>;
  const rows = treeOrder(tree.data?.categories ?? []);
  return (
    <section aria-labelledby="admin-catalog-title">
      <h1 id="admin-catalog-title">Admin: catalog</h1>
      <p>
        <Link to="/admin">Orders</Link>
      </p>
      <h2>Categories</h2>
      {tree.error ? (
        <p className="notice error" role="alert">
          {errorMessage(tree.error)}
        </p>
      ) : null}
      <NewCategory rows={rows} />
      {rows.length === 0 && !tree.loading ? <p>No categories yet: create the first one above.</p> : null}
      <ul className="category-tree">
        {rows.map((row) => (
          <CategoryItem key={`${row.category.id}:${row.category.name}:${row.category.slug}:${row.category.parent?.id ?? ''}`} row={row} rows={rows} />
        ))}
      </ul>
      <NewProduct rows={rows} />
    </section>
  );
}
