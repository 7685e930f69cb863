// Copies the OutboxMessage and InboxMessage models of prisma/messaging.prisma into every service's
// schema.prisma (between the markers; see common/database/messaging-models.ts). `--check` changes
// nothing and fails when a copy differs.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readMessagingModels, syncMessagingModels } from '../common/database/messaging-models.ts';
import { listServices, projectRoot, servicePaths } from '../common/database/paths.ts';

const check = process.argv.includes('--check');
const source = await readMessagingModels();
const stale: string[] = [];
for (const service of await listServices()) {
  const { schemaPath } = servicePaths(service);
  const schema = await readFile(schemaPath, 'utf8');
  const synced = syncMessagingModels(schema, source, path.relative(projectRoot, schemaPath));
  if (synced === schema) continue;
  stale.push(service);
  if (!check) await writeFile(schemaPath, synced, 'utf8');
}
if (check && stale.length > 0) {
  console.error(`prisma-messaging: the messaging models of ${stale.join(', ')} differ from prisma/messaging.prisma: run npm run prisma:messaging`);
  process.exit(1);
}
if (!check && stale.length > 0) console.log(`prisma-messaging: updated ${stale.join(', ')}`);
