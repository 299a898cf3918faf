import type { Kysely } from 'kysely';

/**
 * The security activity log: one append-only row per sign-in, sign-out,
 * credential change or admin action. No foreign key to users: a failed
 * sign-in may name no account, and erasure decides what stays (docs/SECURITY.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('security_events')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('occurred_at', 'timestamptz', (column) => column.notNull())
    .addColumn('user_id', 'varchar(36)')
    .addColumn('event', 'varchar(48)', (column) => column.notNull())
    // A machine-readable detail: the failure reason, the factor kind, the admin action.
    .addColumn('reason', 'varchar(64)')
    .addColumn('address', 'varchar(64)')
    // "Firefox 133 on Linux", parsed from the User-Agent; never the raw header.
    .addColumn('device', 'varchar(128)')
    .addColumn('session_id', 'varchar(64)')
    // The admin who acted on the user, for admin actions.
    .addColumn('actor_id', 'varchar(36)')
    .execute();
  await db.schema.createIndex('security_events_user_time').on('security_events').columns(['user_id', 'occurred_at']).execute();
  await db.schema.createIndex('security_events_time').on('security_events').column('occurred_at').execute();
  await db.schema.createIndex('security_events_event_time').on('security_events').columns(['event', 'occurred_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('security_events').execute();
}
