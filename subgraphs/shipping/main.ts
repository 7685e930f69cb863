import { runServiceMain } from '../../common/service/run-service-main.ts';
import { shipping } from './service.ts';

await runServiceMain(shipping);
