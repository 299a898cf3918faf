import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { DatabaseSchema, UsersTable } from '../schema.js';
import { toBoolean, toIsoTimestamp } from '../schema.js';
import { reusableQuery } from '../reusable-query.js';
import { escapeLikePattern } from './text-search.js';
import type { MailLanguage } from '../../mail/compose.js';

/** A user as the rest of the code sees it; the hash only travels where passwords are checked. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly fullName: string | null;
  readonly role: 'user' | 'admin';
  readonly isActive: boolean;
  /** The language of the user's mail. */
  readonly language: MailLanguage;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When the account proved it receives mail at `email` (a verification or address-change link); null: not verified. */
  readonly emailVerifiedAt: string | null;
  /** An admin asked for a new password: a correct old one no longer signs in (403 `password_reset_required`). */
  readonly passwordResetRequired: boolean;
  /** When an admin locked the account; null when it is not locked (or was deactivated before locks were dated). */
  readonly lockedAt: string | null;
}

export interface UserWithPasswordHash extends User {
  readonly passwordHash: string;
}

/** The email was taken (also raised when a concurrent registration wins the race). */
export class EmailTakenError extends Error {
  constructor() {
    super('email taken');
    this.name = 'EmailTakenError';
  }
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Every column of a user but the password hash. */
const PROFILE_COLUMNS = [
  'id',
  'email',
  'full_name',
  'role',
  'is_active',
  'language',
  'created_at',
  'updated_at',
  'email_verified_at',
  'password_reset_required',
  'locked_at',
] as const satisfies readonly Exclude<keyof UsersTable, 'password_hash'>[];

function toUser(row: Selectable<UsersTable>): UserWithPasswordHash {
  return { ...toProfile(row), passwordHash: row.password_hash };
}

function toProfile(row: Pick<Selectable<UsersTable>, (typeof PROFILE_COLUMNS)[number]>): User {
  return {
    id: row.id,
    email: row.email,
    fullName: row.full_name,
    role: row.role,
    isActive: toBoolean(row.is_active),
    language: row.language === 'en' ? 'en' : 'hu',
    createdAt: toIsoTimestamp(row.created_at),
    updatedAt: toIsoTimestamp(row.updated_at),
    emailVerifiedAt: row.email_verified_at === null ? null : toIsoTimestamp(row.email_verified_at),
    passwordResetRequired: toBoolean(row.password_reset_required),
    lockedAt: row.locked_at === null ? null : toIsoTimestamp(row.locked_at),
  };
}

/** Strips the password hash. */
export function publicUser(user: UserWithPasswordHash): User {
  const { passwordHash: _passwordHash, ...rest } = user;
  return rest;
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error) || !('code' in error)) return false;
  return error.code === '23505' || error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Every signed-in request that reads its user runs this (src/db/reusable-query.ts). */
const userById = reusableQuery((db: Kysely<DatabaseSchema>, id: string) => db.selectFrom('users').selectAll().where('id', '=', id));
const profileById = reusableQuery((db: Kysely<DatabaseSchema>, id: string) => db.selectFrom('users').select(PROFILE_COLUMNS).where('id', '=', id));

export class UsersRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async findByEmail(email: string): Promise<UserWithPasswordHash | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    return row === undefined ? undefined : toUser(row);
  }

  async findById(id: string): Promise<UserWithPasswordHash | undefined> {
    const [row] = await userById(this.db, id);
    return row === undefined ? undefined : toUser(row);
  }

  /** {@link findById} without the password hash: for pages that only show the account (a column fewer to read). */
  async findProfileById(id: string): Promise<User | undefined> {
    const [row] = await profileById(this.db, id);
    return row === undefined ? undefined : toProfile(row);
  }

  /** @throws EmailTakenError */
  async create(input: { email: string; passwordHash: string; fullName: string | null; role?: 'user' | 'admin'; language?: MailLanguage }): Promise<UserWithPasswordHash> {
    const now = new Date().toISOString();
    const row = {
      id: randomUUID(),
      email: normalizeEmail(input.email),
      password_hash: input.passwordHash,
      full_name: input.fullName,
      role: input.role ?? 'user',
      is_active: true,
      language: input.language ?? 'hu',
      created_at: now,
      updated_at: now,
    } as const;
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
    return toUser({ ...row, is_active: true, password_reset_required: false, locked_at: null, email_verified_at: null });
  }

  async updateProfile(id: string, changes: { fullName?: string | null; email?: string; language?: MailLanguage }): Promise<UserWithPasswordHash | undefined> {
    const values: { updated_at: string; full_name?: string | null; email?: string; language?: MailLanguage } = { updated_at: new Date().toISOString() };
    if (changes.fullName !== undefined) values.full_name = changes.fullName;
    if (changes.language !== undefined) values.language = changes.language;
    if (changes.email !== undefined) values.email = normalizeEmail(changes.email);
    try {
      await this.db.updateTable('users').set(values).where('id', '=', id).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
    return this.findById(id);
  }

  /**
   * Moves the account from `fromEmail` to `toEmail` only if it still has
   * `fromEmail` (a confirmation or undo link is void once the address moved on).
   * Both links were mailed to `toEmail` and followed, so the new address
   * counts as verified at `verifiedAt` (ISO-8601).
   * @throws EmailTakenError
   */
  async changeEmailIf(id: string, fromEmail: string, toEmail: string, verifiedAt: string): Promise<boolean> {
    try {
      const result = await this.db
        .updateTable('users')
        .set({ email: normalizeEmail(toEmail), email_verified_at: verifiedAt, updated_at: new Date().toISOString() })
        .where('id', '=', id)
        .where('email', '=', normalizeEmail(fromEmail))
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError();
      throw error;
    }
  }

  /**
   * Marks the address verified at `verifiedAt` (ISO-8601), only while the
   * account still has `email` (a link sent to an earlier address proves nothing
   * about the current one). False: no such account at that address.
   */
  async markEmailVerifiedIf(id: string, email: string, verifiedAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ email_verified_at: verifiedAt, updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
  }

  async setActive(id: string, isActive: boolean): Promise<void> {
    await this.db.updateTable('users').set({ is_active: isActive, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
  }

  // Administration (issue 19): listing, locks and the password-reset flag.

  /**
   * One page of users in email order (keyset: `after` is the last email of the
   * previous page). `emailPrefix` matches literally: `%`, `_` and `\` are escaped.
   */
  async list(filter: UserListFilter): Promise<User[]> {
    let query = this.db.selectFrom('users').selectAll();
    if (filter.emailPrefix !== undefined && filter.emailPrefix !== '') {
      query = query.where(sql<SqlBool>`${sql.ref('email')} like ${`${escapeLikePattern(normalizeEmail(filter.emailPrefix))}%`} escape '\\'`);
    }
    if (filter.role !== undefined) query = query.where('role', '=', filter.role);
    if (filter.state === 'active') query = query.where('is_active', '=', true);
    if (filter.state === 'locked') query = query.where('is_active', '=', false);
    if (filter.state === 'reset_required') query = query.where('password_reset_required', '=', true);
    if (filter.after !== undefined) query = query.where('email', '>', filter.after);
    const rows = await query.orderBy('email').limit(filter.limit).execute();
    return rows.map((row) => publicUser(toUser(row)));
  }

  /** Locks (is_active false, dated) or unlocks the account. */
  async setLocked(id: string, locked: boolean, nowIso: string): Promise<void> {
    await this.db.updateTable('users').set({ is_active: !locked, locked_at: locked ? nowIso : null, updated_at: nowIso }).where('id', '=', id).execute();
  }

  async setPasswordResetRequired(id: string, required: boolean, nowIso: string): Promise<void> {
    await this.db.updateTable('users').set({ password_reset_required: required, updated_at: nowIso }).where('id', '=', id).execute();
  }

  /** How many admins can still sign in. */
  async countActiveAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('role', '=', 'admin')
      .where('is_active', '=', true)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
}

/** What GET /api/v1/admin/users and `users list` filter by. */
export interface UserListFilter {
  readonly emailPrefix?: string | undefined;
  readonly role?: User['role'] | undefined;
  readonly state?: UserState | undefined;
  /** The last email of the previous page. */
  readonly after?: string | undefined;
  readonly limit: number;
}

export type UserState = 'active' | 'locked' | 'reset_required';
