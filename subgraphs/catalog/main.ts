import { runServiceMain } from '../../common/service/run-service-main.ts';
import { catalog } from './service.ts';

await runServiceMain(catalog);
