/** The signed-in caller, as verified by the gateway. */
export type Role = 'CUSTOMER' | 'ADMIN';
export interface Viewer {
  readonly id: string;
  readonly role: Role;
}

export const isRole = (value: unknown): value is Role => value === 'CUSTOMER' || value === 'ADMIN';
