/** The signed-in caller, as verified by the gateway. */
export type Role = 'CUSTOMER' | 'ADMIN';
export interface Viewer {
  readonly id: string;
  readonly role: Role;
  /** The access token's `scope` claim (space separated, as OAuth): what `@requiresScopes` checks at the gateway. */
  readonly scopes?: readonly string[];
}

/** The scopes accounts issues by role (docs/protection.md lists them): admin work is an admin's. */
export const SCOPES_BY_ROLE: Readonly<Record<Role, readonly string[]>> = {
  CUSTOMER: ['shop'],
  ADMIN: ['shop', 'catalog:write', 'inventory:read', 'inventory:write', 'orders:fulfil'],
};

export const isRole = (value: unknown): value is Role => value === 'CUSTOMER' || value === 'ADMIN';
