import { badUserInput } from '../../../common/errors.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !EMAIL.test(normalized)) throw badUserInput('Enter a valid email address.', 'email');
  return normalized;
}

export function checkNewPassword(password: string): string {
  if (password.length < 8) throw badUserInput('A password needs at least 8 characters.', 'password');
  if (password.length > 256) throw badUserInput('A password may have at most 256 characters.', 'password');
  return password;
}

export function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw badUserInput('A name has 1 to 100 characters.', 'name');
  return trimmed;
}
