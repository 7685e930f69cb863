import { runServiceMain } from '../../common/service/run-service-main.ts';
import { inventory } from './service.ts';

await runServiceMain(inventory);
