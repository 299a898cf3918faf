import type { Clock } from '../clock.js';
import type { SessionRecord } from '../db/repositories/auth-state.js';
import type { FactorSummary, SecondFactorsRepository } from '../db/repositories/second-factors.js';
import type { User, UserState, UsersRepository } from '../db/repositories/users.js';
import { publicUser } from '../db/repositories/users.js';
import { HttpError } from '../errors.js';
import { deviceLabel } from './device-label.js';
import type { SecondFactorService } from './second-factors.js';
import type { RequestOrigin, SecurityEvents } from './security-events.js';
import type { SessionService } from './sessions.js';

/** Page sizes of the user list: `limit` 1–100, 25 unless asked. */
export const USER_LIST_DEFAULT_LIMIT = 25;
export const USER_LIST_MAX_LIMIT = 100;

/** What an admin can do to an account; the `reason` of its `admin_action` event (the CLI's carry a `cli_` prefix). */
export const ADMIN_ACTIONS = ['lock', 'unlock', 'end_sessions', 'require_password_reset', 'reset_factors'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/**
 * Who acts: a signed-in admin (through the API, from an address), or the
 * operator's shell (`autocognitix users …`), recorded with no actor and a
 * `cli_` reason.
 */
export type AdminActor = { readonly kind: 'admin'; readonly userId: string; readonly origin: RequestOrigin } | { readonly kind: 'cli' };

export interface UserListQuery {
  readonly emailPrefix?: string | undefined;
  readonly role?: User['role'] | undefined;
  readonly state?: UserState | undefined;
  readonly limit?: number | undefined;
  /** Opaque: the `next_cursor` of the previous page. */
  readonly cursor?: string | undefined;
}

export interface UserListPage {
  readonly items: readonly User[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

export interface AdminSessionView extends SessionRecord {
  /** "Firefox 133 on Linux", from the User-Agent. */
  readonly device: string | null;
}

/** One user as an admin sees them. */
export interface AdminUserView {
  readonly user: User;
  readonly sessions: readonly AdminSessionView[];
  readonly factors: FactorSummary;
}

export interface UserAdministrationOptions {
  readonly users: UsersRepository;
  readonly sessions: SessionService;
  readonly secondFactors: SecondFactorService;
  readonly factors: SecondFactorsRepository;
  readonly events: SecurityEvents;
  readonly clock: Clock;
}

const encodeCursor = (email: string): string => Buffer.from(email, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  if (email === '' || encodeCursor(email) !== cursor) {
    throw new HttpError('validation_failed', { details: [{ field: 'cursor', message: 'is not a cursor this list gave out', problem: 'invalid' }] });
  }
  return email;
}

/**
 * Issue 19: what an admin (API) or the operator (CLI) does to other accounts.
 * Every action ends in an `admin_action` security event naming the target,
 * the actor and the action. A lock is `is_active = false`: sign-in refused
 * (`account_disabled`) and every session ends at once; nobody locks
 * themselves, and the last active admin is never locked.
 */
export class UserAdministration {
  constructor(private readonly options: UserAdministrationOptions) {}

  async list(query: UserListQuery): Promise<UserListPage> {
    const limit = Math.min(Math.max(query.limit ?? USER_LIST_DEFAULT_LIMIT, 1), USER_LIST_MAX_LIMIT);
    const rows = await this.options.users.list({
      emailPrefix: query.emailPrefix,
      role: query.role,
      state: query.state,
      after: query.cursor === undefined || query.cursor === '' ? undefined : decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.email) : null };
  }

  async view(userId: string): Promise<AdminUserView> {
    const user = await this.target(userId);
    const [sessions, factors] = await Promise.all([this.options.sessions.listSessions(user.id), this.options.factors.summary(user.id)]);
    return { user, sessions: sessions.map((session) => ({ ...session, device: deviceLabel(session.userAgent) })), factors };
  }

  /** A user by email, for the CLI; 404 `not_found` when there is none. */
  async findByEmail(email: string): Promise<User> {
    const user = await this.options.users.findByEmail(email);
    if (user === undefined) throw new HttpError('not_found', { message: 'No such user' });
    return publicUser(user);
  }

  /** Locks the account: sign-in refused, every session and token of theirs ends now. */
  async lock(userId: string, actor: AdminActor): Promise<void> {
    const user = await this.target(userId);
    if (actor.kind === 'admin' && actor.userId === user.id) throw new HttpError('forbidden', { message: 'You cannot lock your own account' });
    if (user.role === 'admin' && user.isActive && (await this.options.users.countActiveAdmins()) <= 1) {
      throw new HttpError('forbidden', { message: 'The last active admin cannot be locked' });
    }
    await this.options.users.setLocked(user.id, true, this.nowIso());
    await this.options.sessions.endAllSessions(user.id);
    this.record(user.id, 'lock', actor);
  }

  async unlock(userId: string, actor: AdminActor): Promise<void> {
    const user = await this.target(userId);
    await this.options.users.setLocked(user.id, false, this.nowIso());
    this.record(user.id, 'unlock', actor);
  }

  /** Every session of the user ends and every token issued so far dies; they may sign in again. */
  async endSessions(userId: string, actor: AdminActor): Promise<void> {
    const user = await this.target(userId);
    await this.options.sessions.endAllSessions(user.id);
    this.record(user.id, 'end_sessions', actor);
  }

  /** The user's password stops signing in (403 `password_reset_required`) until they set a new one; their sessions end. */
  async requirePasswordReset(userId: string, actor: AdminActor): Promise<void> {
    const user = await this.target(userId);
    await this.options.users.setPasswordResetRequired(user.id, true, this.nowIso());
    await this.options.sessions.endAllSessions(user.id);
    this.record(user.id, 'require_password_reset', actor);
  }

  /** Every passkey, authenticator app and recovery code goes; sessions end; the user is told by mail. */
  async resetFactors(userId: string, actor: AdminActor): Promise<void> {
    const user = await this.target(userId);
    await this.options.secondFactors.resetAllFactors(user);
    this.record(user.id, 'reset_factors', actor);
  }

  private async target(userId: string): Promise<User> {
    const user = await this.options.users.findById(userId);
    if (user === undefined) throw new HttpError('not_found', { message: 'No such user' });
    return publicUser(user);
  }

  private nowIso(): string {
    return new Date(this.options.clock.now()).toISOString();
  }

  private record(userId: string, action: AdminAction, actor: AdminActor): void {
    this.options.events.record(
      actor.kind === 'admin'
        ? { code: 'admin_action', userId, actorId: actor.userId, reason: action, origin: actor.origin }
        : { code: 'admin_action', userId, actorId: null, reason: `cli_${action}` },
    );
  }
}
