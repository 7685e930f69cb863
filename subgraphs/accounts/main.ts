import { runServiceMain } from '../../common/service/run-service-main.ts';
import { accounts } from './service.ts';

await runServiceMain(accounts);
