// The service alone (Docker, Kubernetes, `npm run build`). Written by `npm run subgraphs:generate`.
import { runServiceMain } from '../../common/service/run-service-main.ts';
import { inventory } from './service.ts';

await runServiceMain(inventory);
