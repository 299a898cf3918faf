import { SecurityEventsRepository } from '../db/repositories/security-events.js';
import { openRuntime } from '../runtime.js';
import { purgeSecurityEvents } from '../security/security-event-retention.js';
import type { CommandContext } from './context.js';

interface PurgeOptions {
  readonly dryRun?: boolean;
}

/**
 * `security-events purge`: deletes the security activity log's rows older than
 * SECURITY_EVENTS_RETENTION_DAYS (in batches, as the server's daily purge does)
 * and prints how many went; `--dry-run` only counts them.
 */
export async function purgeSecurityEventsCommand(cli: CommandContext, options: PurgeOptions): Promise<void> {
  const config = cli.config();
  const days = config.securityEventsRetentionDays;
  if (days === 0) {
    cli.print('SECURITY_EVENTS_RETENTION_DAYS=0: security events are kept forever; nothing was deleted');
    return;
  }
  const runtime = await openRuntime(config, { migrate: true });
  try {
    const repository = new SecurityEventsRepository(runtime.database.db, runtime.database.engine);
    const outcome = await purgeSecurityEvents(repository, Date.now(), days, { dryRun: options.dryRun === true });
    if (outcome === undefined) return;
    const rows = `${outcome.rows} ${outcome.rows === 1 ? 'row' : 'rows'}`;
    cli.print(
      options.dryRun === true
        ? `would delete ${rows} of security events older than ${outcome.cutoff} (SECURITY_EVENTS_RETENTION_DAYS=${days}); nothing was deleted (--dry-run)`
        : `deleted ${rows} of security events older than ${outcome.cutoff} (SECURITY_EVENTS_RETENTION_DAYS=${days})`,
    );
  } finally {
    await runtime.close();
  }
}
