/** shipping knows an order by its id only; orders owns everything else about it. */
export interface OrderReference {
  readonly id: string;
}
