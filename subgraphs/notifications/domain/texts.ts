import type { NotificationKind } from '../generated/prisma/client.ts';

/** What a notification says. */
export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/** How a customer knows the order: the start of its id, as on the order page. */
export const orderReference = (orderId: string) => `#${orderId.slice(0, 8).toUpperCase()}`;

// The cancellation reasons orders sends (saga failures and who cancelled), in a customer's words.
const CANCELLATION_REASONS: Readonly<Record<string, string>> = {
  OUT_OF_STOCK: 'an item in it is out of stock',
  CARD_DECLINED: 'the card was declined',
  INSUFFICIENT_FUNDS: 'the card was declined for insufficient funds',
  INVALID_PAYMENT_METHOD: 'the payment method was not accepted',
  PROCESSOR_TIMEOUT: 'the payment could not be completed',
  PAYMENT_TIMEOUT: 'the payment could not be completed in time',
  ORDER_VOIDED: 'the payment was voided',
  CANCELLED_BY_CUSTOMER: 'you asked us to',
  CANCELLED_BY_ADMIN: 'our team cancelled it',
};

export function cancellationReason(reason: string): string {
  return CANCELLATION_REASONS[reason] ?? 'it could not be completed';
}

export type NotificationFacts =
  | { readonly kind: Extract<NotificationKind, 'ORDER_PLACED'>; readonly orderId: string; readonly amount: number; readonly currency: string }
  | { readonly kind: Extract<NotificationKind, 'ORDER_CONFIRMED'>; readonly orderId: string }
  | { readonly kind: Extract<NotificationKind, 'ORDER_CANCELLED'>; readonly orderId: string; readonly reason: string }
  | { readonly kind: Extract<NotificationKind, 'ORDER_SHIPPED'>; readonly orderId: string; readonly carrier: string; readonly trackingNumber: string }
  | { readonly kind: Extract<NotificationKind, 'ORDER_DELIVERED'>; readonly orderId: string };

export function notificationText(facts: NotificationFacts): NotificationText {
  const order = orderReference(facts.orderId);
  switch (facts.kind) {
    case 'ORDER_PLACED':
      return {
        title: `Order ${order} received`,
        body: `Thank you! We received your order ${order} of ${(facts.amount / 100).toFixed(2)} ${facts.currency} and are checking stock and payment.`,
      };
    case 'ORDER_CONFIRMED':
      return { title: `Order ${order} confirmed`, body: `We received your payment for order ${order} and are preparing it for shipping.` };
    case 'ORDER_CANCELLED':
      return {
        title: `Order ${order} cancelled`,
        body: `Your order ${order} was cancelled because ${cancellationReason(facts.reason)}. Anything you paid is refunded.`,
      };
    case 'ORDER_SHIPPED':
      return {
        title: `Order ${order} shipped`,
        body: `Your order ${order} is on its way with ${facts.carrier}, tracking number ${facts.trackingNumber}.`,
      };
    case 'ORDER_DELIVERED':
      return { title: `Order ${order} delivered`, body: `Your order ${order} was delivered. Enjoy!` };
  }
}
