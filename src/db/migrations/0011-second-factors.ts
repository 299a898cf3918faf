import type { Kysely } from 'kysely';

/**
 * Second factors: an authenticator app's TOTP secret (encrypted at rest),
 * single-use recovery codes (hashed) and WebAuthn passkeys (public keys).
 * Everything goes with its user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_totp')
    .addColumn('user_id', 'varchar(36)', (column) => column.primaryKey().references('users.id').onDelete('cascade'))
    // AES-256-GCM with MFA_ENCRYPTION_KEY, bound to the user (src/security/secret-box.ts).
    .addColumn('secret_ciphertext', 'varchar(255)', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    // Null until the first code proves the app holds the secret: an unconfirmed secret is no factor.
    .addColumn('confirmed_at', 'timestamptz')
    // The newest 30-second step accepted: a code of that step or an older one is a replay.
    .addColumn('last_used_step', 'bigint')
    .execute();

  await db.schema
    .createTable('user_recovery_codes')
    .addColumn('id', 'varchar(36)', (column) => column.primaryKey())
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'varchar(64)', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('user_recovery_codes_user').on('user_recovery_codes').columns(['user_id', 'code_hash']).execute();

  await db.schema
    .createTable('webauthn_credentials')
    // The credential ID, base64url (at most 1023 bytes, so 1364 characters).
    .addColumn('id', 'varchar(1400)', (column) => column.primaryKey())
    .addColumn('user_id', 'varchar(36)', (column) => column.notNull().references('users.id').onDelete('cascade'))
    // The WebAuthn user handle: random per user, never the user id, the same for all of one user's passkeys.
    .addColumn('user_handle', 'varchar(64)', (column) => column.notNull())
    // COSE public key, base64url.
    .addColumn('public_key', 'text', (column) => column.notNull())
    .addColumn('counter', 'bigint', (column) => column.notNull())
    // JSON array of transport hints ("internal", "usb", "hybrid" …).
    .addColumn('transports', 'text', (column) => column.notNull())
    .addColumn('device_type', 'varchar(16)', (column) => column.notNull())
    .addColumn('backed_up', 'boolean', (column) => column.notNull())
    .addColumn('name', 'varchar(64)', (column) => column.notNull())
    .addColumn('created_at', 'timestamptz', (column) => column.notNull())
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('webauthn_credentials_user').on('webauthn_credentials').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webauthn_credentials').execute();
  await db.schema.dropTable('user_recovery_codes').execute();
  await db.schema.dropTable('user_totp').execute();
}
