import { randomInt } from 'node:crypto';
import type { Carrier } from '../generated/prisma/client.ts';

// Crockford's base32 without I, L, O and U: nothing a customer can misread over the phone.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 12; // 60 random bits: a collision is rare, and the unique index catches it (the caller retries)

/** A fresh tracking number, prefixed with its carrier: `UPS-7K3M9Q2XWB4T`. */
export function generateTrackingNumber(carrier: Carrier): string {
  let suffix = '';
  for (let i = 0; i < LENGTH; i += 1) suffix += ALPHABET[randomInt(ALPHABET.length)];
  return `${carrier}-${suffix}`;
}

export const TRACKING_NUMBER = /^(UPS|FEDEX|DHL|USPS)-[0-9A-HJKMNP-TV-Z]{12}$/;
