import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { id } from './fields.ts';

/** A notification was created for a user. Carries its cause's correlation (the order it tells of). */
export const NotificationAdded = defineMessage('notifications.notification-added', z.object({ notificationId: id, userId: id, kind: z.string(), at: z.string() }));
