/** Entities notifications knows only by id; their own subgraphs resolve the rest. */
export interface UserReference {
  readonly id: string;
}
export interface OrderReference {
  readonly id: string;
}
