import { runServiceMain } from '../../common/service/run-service-main.ts';
import { orders } from './service.ts';

await runServiceMain(orders);
