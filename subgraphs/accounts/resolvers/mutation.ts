import { ErrorCode, graphQLError, unauthenticated } from '../../../common/errors.ts';
import { GraphQLError } from 'graphql';
import { Prisma } from '../generated/prisma/client.ts';
import type { MutationResolvers } from '../generated/graphql.ts';
import { hashPassword, verifyAgainstNothing, verifyPassword } from '../domain/passwords.ts';
import { endSession, refreshSession, startSession, type SessionTokens } from '../domain/sessions.ts';
import type { AccountsContext } from '../context.ts';
import { clearedSessionCookie, sessionCookie } from '../domain/session-cookie.ts';
import { checkName, checkNewPassword, normalizeEmail } from './validation.ts';

const isUnauthenticated = (error: unknown) => error instanceof GraphQLError && error.extensions['code'] === ErrorCode.unauthenticated;

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

/** The session's refresh token also goes back as the session cookie (the gateway's rules carry it to browsers). */
function withCookie<T extends SessionTokens>(context: AccountsContext, session: T): T {
  context.setCookies?.push(sessionCookie(context.sessionCookie, session.refreshToken, session.refreshExpiresAt));
  return session;
}

/** The refresh token given as an argument (the SDK, mobile), else the session cookie's (browsers). */
const presented = (context: AccountsContext, argument: string | null | undefined): string | undefined => argument ?? context.cookies?.get(context.sessionCookie.name) ?? undefined;

export const Mutation: MutationResolvers = {
  async signUp(_parent, { input }, context) {
    const { prisma, keyRing, jwt, passwordScryptCost, authenticatedInThisRequest } = context;
    const email = normalizeEmail(input.email);
    const name = checkName(input.name);
    const passwordHash = await hashPassword(checkNewPassword(input.password), passwordScryptCost);
    try {
      const user = await prisma.user.create({ data: { email, name, passwordHash, role: 'CUSTOMER' } });
      authenticatedInThisRequest.add(user.id);
      return withCookie(context, { ...(await startSession({ prisma, keyRing, jwt }, user)), user });
    } catch (error) {
      if (isUniqueViolation(error)) throw graphQLError(ErrorCode.emailTaken, 'An account with this email already exists.');
      throw error;
    }
  },

  async logIn(_parent, { input }, context) {
    const { prisma, keyRing, jwt, passwordScryptCost, log, authenticatedInThisRequest } = context;
    const user = await prisma.user.findUnique({ where: { email: input.email.trim().toLowerCase() } });
    const valid = user ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstNothing(input.password, passwordScryptCost);
    if (!user || !valid) {
      log.info({ event: 'login_failed' }, 'log-in refused');
      throw graphQLError(ErrorCode.invalidCredentials, 'The email or password is wrong.');
    }
    authenticatedInThisRequest.add(user.id);
    return withCookie(context, { ...(await startSession({ prisma, keyRing, jwt }, user)), user });
  },

  async refreshSession(_parent, { refreshToken }, context) {
    const { prisma, keyRing, jwt, refresh, authenticatedInThisRequest } = context;
    const token = presented(context, refreshToken);
    if (!token) throw unauthenticated('There is no session to refresh; sign in.', 'REFRESH_TOKEN_INVALID');
    try {
      const session = await refreshSession({ prisma, keyRing, jwt, refresh }, token);
      authenticatedInThisRequest.add(session.user.id);
      return withCookie(context, session);
    } catch (error) {
      // An ended session's cookie is dropped: the browser stops presenting it.
      if (refreshToken == null && isUnauthenticated(error)) context.setCookies?.push(clearedSessionCookie(context.sessionCookie));
      throw error;
    }
  },

  async logOut(_parent, { refreshToken }, context) {
    const token = presented(context, refreshToken);
    if (token) await endSession(context.prisma, token);
    context.setCookies?.push(clearedSessionCookie(context.sessionCookie));
    return true;
  },
};
