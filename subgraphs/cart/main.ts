import { runServiceMain } from '../../common/service/run-service-main.ts';
import { cart } from './service.ts';

await runServiceMain(cart);
