import { migrateToLatest } from '../db/index.js';
import { openRuntime } from '../runtime.js';
import type { CommandContext } from './context.js';

/** `migrate`: applies pending database migrations. */
export async function migrate(cli: CommandContext): Promise<void> {
  const runtime = await openRuntime(cli.config(), { migrate: false });
  try {
    const outcome = await migrateToLatest(runtime.database);
    cli.print(outcome.applied.length === 0 ? `database is up to date (${outcome.latest ?? 'no migrations'})` : `applied ${outcome.applied.join(', ')}`);
  } finally {
    await runtime.close();
  }
}
