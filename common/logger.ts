import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** The active span's ids on every line logged inside it, so a log line leads to its trace (nothing when tracing is off). */
const traceIds = () => {
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : {};
};

/** JSON logs; secrets never reach them (pino's redaction by path). `destination`: stdout unless given (tests). */
export function createLogger(service: string, level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service },
    mixin: traceIds,
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
  };
  return destination ? pino(options, destination) : pino(options);
}
