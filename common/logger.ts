import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

/** `json` for machines (production, tests); `pretty` one-liners for a person at a terminal (development's default). */
export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT when set, else pretty in development only: production and tests keep JSON. */
export const defaultLogFormat = (nodeEnv: string, configured: LogFormat | undefined): LogFormat => configured ?? (nodeEnv === 'development' ? 'pretty' : 'json');

/** Synchronous, like pino's own stdout: the last lines before an exit are not lost. */
const prettyStdout = () =>
  pinoPretty({
    sync: true,
    singleLine: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    messageFormat: '{service}: {msg}',
  });

/** The active span's ids on every line logged inside it, so a log line leads to its trace (nothing when tracing is off). */
const traceIds = () => {
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : {};
};

/**
 * Logs on stdout (JSON or pretty), or JSON into `output` when it is a stream (tests); secrets never
 * reach them (pino's redaction by path).
 */
export function createLogger(service: string, level: LevelWithSilent = 'info', output: LogFormat | DestinationStream = 'json'): Logger {
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
  if (output === 'pretty') return pino(options, prettyStdout());
  return output === 'json' ? pino(options) : pino(options, output);
}
