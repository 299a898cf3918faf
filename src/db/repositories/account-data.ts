import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../schema.js';
import { toBoolean, toIsoTimestamp } from '../schema.js';
import { decodeStringArray } from './column-values.js';
import { ScansRepository, type StoredScan } from './scans.js';
import { eraseUserSecurityEvents, SecurityEventsRepository } from './security-events.js';

/** Everything stored about one user, as they may take it with them (GDPR art. 15/20). Never hashes, tokens or session state. */
export interface AccountExport {
  readonly exported_at: string;
  readonly profile: { id: string; email: string; full_name: string | null; role: string; is_active: boolean; language: string; created_at: string; updated_at: string; email_verified_at: string | null };
  readonly garage: {
    id: string;
    make: string;
    model: string;
    year: number;
    vin: string | null;
    nickname: string | null;
    created_at: string;
    updated_at: string;
    notes: { id: string; codes: string[]; symptoms: string; created_at: string }[];
    /** Odometer readings, oldest first. */
    odometer_readings: { id: string; km: number; read_at: string; source: string; created_at: string }[];
    reminders: {
      id: string;
      kind: string;
      title: string;
      every_months: number | null;
      every_km: number | null;
      due_date: string | null;
      due_km: number | null;
      last_done_date: string | null;
      last_done_km: number | null;
      /** Which due was already mailed (the reminder scheduler's mark). */
      notified_for: string | null;
      created_at: string;
      updated_at: string;
    }[];
    /** Uploaded OBD scans, oldest upload first, each as the API's scan detail without the analysis. */
    scans: Omit<StoredScan, 'vehicle_id'>[];
  }[];
  readonly sessions: { id: string; created_at: string; last_used_at: string; expires_at: string; revoked_at: string | null; user_agent: string | null; ip_prefix: string | null }[];
  /** Which factors exist, never a secret, key or code. */
  readonly second_factors: {
    authenticator_app: { enabled: boolean; created_at: string } | null;
    passkeys: { name: string; created_at: string; last_used_at: string | null; backed_up: boolean }[];
    recovery_codes: { unused: number; used: number };
  };
  /** The account's security activity log, oldest first, as long as it is kept (SECURITY_EVENTS_RETENTION_DAYS); an administrator is never named. */
  readonly security_events: { occurred_at: string; event: string; reason: string | null; address: string | null; device: string | null; by_administrator: boolean }[];
  /** Whether the iCalendar feed is on, and since when (never its URL: only a hash is stored). */
  readonly calendar_feed: { enabled: boolean; created_at: string | null };
}

/** Tables that hold a user's rows, children first: erasure deletes in this order. */
export const USER_OWNED_TABLES = ['calendar_feeds', 'garage_scans', 'odometer_readings', 'vehicle_reminders', 'diagnosis_notes', 'garage_vehicles', 'auth_sessions', 'user_token_cutoffs', 'user_totp', 'user_recovery_codes', 'webauthn_credentials'] as const;

export class AccountDataRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async exportAccount(userId: string, nowMs: number): Promise<AccountExport | undefined> {
    const user = await this.db.selectFrom('users').select(['id', 'email', 'full_name', 'role', 'is_active', 'language', 'created_at', 'updated_at', 'email_verified_at']).where('id', '=', userId).executeTakeFirst();
    if (user === undefined) return undefined;
    const [vehicles, notes, readings, reminders, scans, sessions, totp, passkeys, recoveryCodes, securityEvents] = await Promise.all([
      this.db.selectFrom('garage_vehicles').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
      this.db.selectFrom('diagnosis_notes').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
      this.db.selectFrom('odometer_readings').selectAll().where('user_id', '=', userId).orderBy('read_at').orderBy('created_at').execute(),
      this.db.selectFrom('vehicle_reminders').selectAll().where('user_id', '=', userId).orderBy('created_at').execute(),
      new ScansRepository(this.db).allForUser(userId),
      this.db
        .selectFrom('auth_sessions')
        .select(['id', 'created_at', 'last_used_at', 'expires_at', 'revoked_at', 'user_agent', 'ip_prefix'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .execute(),
      this.db.selectFrom('user_totp').select(['confirmed_at', 'created_at']).where('user_id', '=', userId).executeTakeFirst(),
      this.db.selectFrom('webauthn_credentials').select(['name', 'created_at', 'last_used_at', 'backed_up']).where('user_id', '=', userId).orderBy('created_at').execute(),
      this.db.selectFrom('user_recovery_codes').select('used_at').where('user_id', '=', userId).execute(),
      new SecurityEventsRepository(this.db).allForUser(userId),
    ]);
    const calendarFeed = await this.db.selectFrom('calendar_feeds').select('created_at').where('user_id', '=', userId).executeTakeFirst();
    return {
      exported_at: new Date(nowMs).toISOString(),
      profile: {
        id: user.id,
        email: user.email,
        full_name: user.full_name,
        role: user.role,
        is_active: toBoolean(user.is_active),
        language: user.language,
        created_at: toIsoTimestamp(user.created_at),
        updated_at: toIsoTimestamp(user.updated_at),
        email_verified_at: user.email_verified_at === null ? null : toIsoTimestamp(user.email_verified_at),
      },
      garage: vehicles.map((vehicle) => ({
        id: vehicle.id,
        make: vehicle.make,
        model: vehicle.model,
        year: vehicle.year,
        vin: vehicle.vin,
        nickname: vehicle.nickname,
        created_at: toIsoTimestamp(vehicle.created_at),
        updated_at: toIsoTimestamp(vehicle.updated_at),
        notes: notes
          .filter((note) => note.vehicle_id === vehicle.id)
          .map((note) => ({ id: note.id, codes: decodeStringArray(note.codes), symptoms: note.symptoms, created_at: toIsoTimestamp(note.created_at) })),
        odometer_readings: readings
          .filter((reading) => reading.vehicle_id === vehicle.id)
          .map((reading) => ({ id: reading.id, km: reading.km, read_at: toIsoTimestamp(reading.read_at), source: reading.source, created_at: toIsoTimestamp(reading.created_at) })),
        reminders: reminders
          .filter((reminder) => reminder.vehicle_id === vehicle.id)
          .map((reminder) => ({
            id: reminder.id,
            kind: reminder.kind,
            title: reminder.title,
            every_months: reminder.every_months,
            every_km: reminder.every_km,
            due_date: reminder.due_date,
            due_km: reminder.due_km,
            last_done_date: reminder.last_done_date,
            last_done_km: reminder.last_done_km,
            notified_for: reminder.notified_for,
            created_at: toIsoTimestamp(reminder.created_at),
            updated_at: toIsoTimestamp(reminder.updated_at),
          })),
        scans: scans.filter((scan) => scan.vehicle_id === vehicle.id).map(({ vehicle_id: _vehicle, ...scan }) => scan),
      })),
      sessions: sessions.map((session) => ({
        id: session.id,
        created_at: toIsoTimestamp(session.created_at),
        last_used_at: toIsoTimestamp(session.last_used_at),
        expires_at: toIsoTimestamp(session.expires_at),
        revoked_at: session.revoked_at === null ? null : toIsoTimestamp(session.revoked_at),
        user_agent: session.user_agent,
        ip_prefix: session.ip_prefix,
      })),
      second_factors: {
        authenticator_app: totp === undefined ? null : { enabled: totp.confirmed_at !== null, created_at: toIsoTimestamp(totp.created_at) },
        passkeys: passkeys.map((passkey) => ({
          name: passkey.name,
          created_at: toIsoTimestamp(passkey.created_at),
          last_used_at: passkey.last_used_at === null ? null : toIsoTimestamp(passkey.last_used_at),
          backed_up: toBoolean(passkey.backed_up),
        })),
        recovery_codes: { unused: recoveryCodes.filter((code) => code.used_at === null).length, used: recoveryCodes.filter((code) => code.used_at !== null).length },
      },
      security_events: securityEvents.map((event) => ({
        occurred_at: event.occurredAt,
        event: event.event,
        reason: event.reason,
        address: event.address,
        device: event.device,
        by_administrator: event.actorId !== null && event.actorId !== userId,
      })),
      calendar_feed: calendarFeed === undefined ? { enabled: false, created_at: null } : { enabled: true, created_at: toIsoTimestamp(calendarFeed.created_at) },
    };
  }

  /**
   * Deletes the user and every row of theirs in one transaction (GDPR art. 17).
   * The security activity log keeps what an administrator did to the account
   * and one `account_erased` row, without address or device (docs/SECURITY.md).
   */
  async eraseAccount(userId: string, nowMs: number): Promise<void> {
    await this.db.transaction().execute(async (transaction) => {
      // The user's row is locked first: a security-log write that share-locks it
      // (SecurityEventsRepository.appendForExistingUsers) either finishes before the
      // erasure and its rows are deleted below, or waits and then finds no user.
      await transaction.updateTable('users').set({ id: userId }).where('id', '=', userId).execute();
      await eraseUserSecurityEvents(transaction, userId, nowMs);
      for (const table of USER_OWNED_TABLES) await transaction.deleteFrom(table).where('user_id', '=', userId).execute();
      await transaction.deleteFrom('users').where('id', '=', userId).execute();
    });
  }
}
