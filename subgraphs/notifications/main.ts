import { runServiceMain } from '../../common/service/run-service-main.ts';
import { notifications } from './service.ts';

await runServiceMain(notifications);
