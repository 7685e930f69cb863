import { runServiceMain } from '../../common/service/run-service-main.ts';
import { payments } from './service.ts';

await runServiceMain(payments);
