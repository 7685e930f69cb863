import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.ts';
import { Mutation } from './mutation.ts';
import { Notification } from './notification.ts';
import { User } from './user.ts';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Mutation, Notification, User };
