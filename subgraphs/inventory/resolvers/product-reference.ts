/** inventory knows a product by its id only; catalog owns everything else about it. */
export interface ProductReference {
  readonly id: string;
}

/** A cart line as the cart subgraph keys it: inventory answers whether its quantity can be supplied. */
export interface CartItemReference {
  readonly product: ProductReference;
  readonly quantity: number;
}
