import { ErrorCode, graphQLError } from '../../../common/errors.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { MutationResolvers } from '../generated/graphql.ts';
import { hashPassword, verifyAgainstNothing, verifyPassword } from '../domain/passwords.ts';
import { endSession, refreshSession, startSession } from '../domain/sessions.ts';
import { checkName, checkNewPassword, normalizeEmail } from './validation.ts';

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';

export const Mutation: MutationResolvers = {
  async signUp(_parent, { input }, { prisma, keyRing, jwt, passwordScryptCost, authenticatedInThisRequest }) {
    const email = normalizeEmail(input.email);
    const name = checkName(input.name);
    const passwordHash = await hashPassword(checkNewPassword(input.password), passwordScryptCost);
    try {
      const user = await prisma.user.create({ data: { email, name, passwordHash, role: 'CUSTOMER' } });
      authenticatedInThisRequest.add(user.id);
      return { ...(await startSession({ prisma, keyRing, jwt }, user)), user };
    } catch (error) {
      if (isUniqueViolation(error)) throw graphQLError(ErrorCode.emailTaken, 'An account with this email already exists.');
      throw error;
    }
  },

  async logIn(_parent, { input }, { prisma, keyRing, jwt, passwordScryptCost, log, authenticatedInThisRequest }) {
    const user = await prisma.user.findUnique({ where: { email: input.email.trim().toLowerCase() } });
    const valid = user ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstNothing(input.password, passwordScryptCost);
    if (!user || !valid) {
      log.info({ event: 'login_failed' }, 'log-in refused');
      throw graphQLError(ErrorCode.invalidCredentials, 'The email or password is wrong.');
    }
    authenticatedInThisRequest.add(user.id);
    return { ...(await startSession({ prisma, keyRing, jwt }, user)), user };
  },

  async refreshSession(_parent, { refreshToken }, { prisma, keyRing, jwt, authenticatedInThisRequest }) {
    const session = await refreshSession({ prisma, keyRing, jwt }, refreshToken);
    authenticatedInThisRequest.add(session.user.id);
    return session;
  },

  async logOut(_parent, { refreshToken }, { prisma }) {
    await endSession(prisma, refreshToken);
    return true;
  },
};
