// A process whose graceful stop takes STOP_MS: for stop-on-signals.test.ts.
import { createLogger } from '../../logger.ts';
import { stopOnSignals } from '../stop-on-signals.ts';

const stopMs = Number(process.env['STOP_MS'] ?? '0');
stopOnSignals(() => new Promise((resolve) => setTimeout(resolve, stopMs)), createLogger('fixture', 'info'));
setInterval(() => {}, 60_000); // stays up until stopped
process.stdout.write('{"msg":"ready"}\n');
