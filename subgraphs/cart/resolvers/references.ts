/** Entities cart knows only by id; their own subgraphs resolve the rest. */
export interface UserReference {
  readonly id: string;
}
export interface ProductReference {
  readonly id: string;
}
export interface OrderReference {
  readonly id: string;
}

/** A cart line with its current catalog price. */
export interface PricedLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceAmount: number;
  readonly currency: string;
}
