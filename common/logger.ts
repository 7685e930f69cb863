import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** JSON logs; secrets never reach them (pino's redaction by path). */
export function createLogger(service: string, level: LevelWithSilent = 'info'): Logger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'req.headers.authorization',
        'req.headers["x-gateway-token"]',
        'headers.authorization',
        'headers["x-gateway-token"]',
        'variables.password',
        'variables.input.password',
      ],
      censor: '[redacted]',
    },
  });
}
