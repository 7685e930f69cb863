/** inventory knows a product by its id only; catalog owns everything else about it. */
export interface ProductReference {
  readonly id: string;
}
