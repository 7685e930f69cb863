import { demoUsers } from '../../prisma/seed-data.ts';
import { LogInDocument } from '../../sdk/index.ts';
import { graphql } from './graphql-client.ts';

export interface Session {
  readonly token: string;
  readonly userId: string;
}

export async function logIn(gatewayUrl: string, email: string, password: string): Promise<Session> {
  const response = await graphql(gatewayUrl, LogInDocument, { input: { email, password } });
  if (!response.data?.logIn) throw new Error(`log-in failed: ${JSON.stringify(response.errors)}`);
  return { token: response.data.logIn.token, userId: response.data.logIn.user.id };
}

const demo = (role: 'ADMIN' | 'CUSTOMER') => {
  const user = demoUsers.find((candidate) => candidate.role === role);
  if (!user) throw new Error(`no demo ${role}`);
  return user;
};
export const logInAsAdmin = (gatewayUrl: string) => logIn(gatewayUrl, demo('ADMIN').email, demo('ADMIN').password);
export const logInAsCustomer = (gatewayUrl: string) => logIn(gatewayUrl, demo('CUSTOMER').email, demo('CUSTOMER').password);
