import type { Logger } from '../common/logger.ts';
import type { Viewer } from '../common/viewer.ts';

export interface GatewayContext {
  readonly viewer: Viewer | null;
  readonly requestId: string;
  readonly log: Logger;
}
