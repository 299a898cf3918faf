import type { Command } from 'commander';
import { migrateToLatest } from '../db/index.js';
import { openRuntime } from '../runtime.js';
import { commandConfig, print } from './context.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (PostgreSQL when DATABASE_URL is set, else the embedded SQLite file)')
    .action(async () => {
      const config = commandConfig();
      const runtime = await openRuntime(config, { migrate: false });
      try {
        const outcome = await migrateToLatest(runtime.database);
        print(outcome.applied.length === 0 ? `database is up to date (${outcome.latest ?? 'no migrations'})` : `applied ${outcome.applied.join(', ')}`);
      } finally {
        await runtime.close();
      }
    });
}
