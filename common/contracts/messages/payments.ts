import { z } from 'zod';
import { defineMessage } from '../../messaging/catalogue.ts';
import { byOrder, id, money } from './fields.ts';

// The order saga's commands to payments (from orders) and payments' replies.
export const PaymentFailureReason = z.enum(['CARD_DECLINED', 'INSUFFICIENT_FUNDS', 'PROCESSOR_TIMEOUT', 'INVALID_PAYMENT_METHOD', 'ORDER_VOIDED']);
export type PaymentFailureReason = z.infer<typeof PaymentFailureReason>;

export const ChargePayment = defineMessage('payments.charge-payment', z.object({ orderId: id, customerId: id, ...money, paymentToken: z.string().min(1) }), byOrder);
export const RefundPayment = defineMessage('payments.refund-payment', z.object({ orderId: id, reason: z.string() }), byOrder);
export const PaymentCaptured = defineMessage('payments.payment-captured', z.object({ orderId: id, paymentId: id, ...money }), byOrder);
export const PaymentFailed = defineMessage('payments.payment-failed', z.object({ orderId: id, reason: PaymentFailureReason }), byOrder);
export const PaymentRefunded = defineMessage('payments.payment-refunded', z.object({ orderId: id, paymentId: id.nullable(), amount: z.number().int().nonnegative() }), byOrder);
