import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql.ts';
import { Mutation } from './mutation.ts';
import { Notification } from './notification.ts';
import { Query } from './query.ts';
import { User } from './user.ts';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Mutation, Notification, Query, User };
