import { systemClock } from '../clock.js';
import { EmailTakenError, UsersRepository, normalizeEmail, type User, type UserState } from '../db/repositories/users.js';
import { HttpError } from '../errors.js';
import { loggingMailer } from '../mail/mailer.js';
import { SecurityEventsRepository } from '../db/repositories/security-events.js';
import { createSecurity } from '../security/index.js';
import { SecurityEventLog } from '../security/security-event-log.js';
import { USER_LIST_MAX_LIMIT, type UserAdministration } from '../security/user-administration.js';
import { hashNewPassword } from '../security/passwords.js';
import { openRuntime } from '../runtime.js';
import { ADMIN_PASSWORD_VARIABLE } from './constants.js';
import type { CommandContext } from './context.js';
import { CommandFailure, EXIT_USAGE } from './exit-status.js';

/** The same shape the API accepts, kept simple: one @, something on each side, no spaces. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
const EMAIL_MAX_LENGTH = 320;

/** From ADMIN_PASSWORD, else asked twice on the terminal without echo. */
async function readAdminPassword(cli: CommandContext): Promise<string> {
  const fromEnvironment = cli.env()[ADMIN_PASSWORD_VARIABLE];
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  if (!cli.terminal.canPrompt()) {
    throw new CommandFailure(`error: no password: set ${ADMIN_PASSWORD_VARIABLE} or run on a terminal to be asked (passwords are never taken from the command line)`, EXIT_USAGE);
  }
  const password = await cli.terminal.askHidden('Password for the new admin: ');
  const repeated = await cli.terminal.askHidden('Repeat the password: ');
  if (password !== repeated) throw new CommandFailure('error: the passwords do not match', EXIT_USAGE);
  return password;
}

interface CreateAdminOptions {
  readonly email: string;
  readonly fullName?: string;
  readonly promoteExisting?: boolean;
}

/** `users create-admin`: an admin account, its password from ADMIN_PASSWORD or a hidden prompt, never the command line. */
export async function createAdmin(cli: CommandContext, options: CreateAdminOptions): Promise<void> {
  const email = normalizeEmail(options.email);
  if (!EMAIL_SHAPE.test(email) || email.length > EMAIL_MAX_LENGTH) throw new CommandFailure('error: --email is not an email address', EXIT_USAGE);
  const config = cli.config();
  const runtime = await openRuntime(config, { migrate: true });
  try {
    const users = new UsersRepository(runtime.database.db);
    const existing = await users.findByEmail(email);
    if (existing !== undefined) {
      if (options.promoteExisting !== true) {
        throw new CommandFailure(`error: a user with the email ${email} already exists (add --promote-existing to make them an admin)`);
      }
      // The role only: the user keeps their password and sessions.
      await runtime.database.db.updateTable('users').set({ role: 'admin', updated_at: new Date().toISOString() }).where('id', '=', existing.id).execute();
      cli.print(existing.role === 'admin' ? `${email} is already an admin (id ${existing.id})` : `promoted ${email} to admin (id ${existing.id}); their password is unchanged`);
      return;
    }
    const password = await readAdminPassword(cli);
    const passwordHash = await hashNewPassword(password, email, 'password').catch((error: unknown) => {
      const problem = error instanceof HttpError ? error.details?.[0]?.message : undefined;
      throw problem === undefined ? error : new CommandFailure(`error: the password ${problem}`, EXIT_USAGE);
    });
    try {
      const created = await users.create({ email, passwordHash, fullName: options.fullName ?? null, role: 'admin' });
      cli.print(`created admin ${created.email} (id ${created.id})`);
    } catch (error) {
      // Someone registered the same email between the check and the insert.
      if (error instanceof EmailTakenError) throw new CommandFailure(`error: a user with the email ${email} already exists`);
      throw error;
    }
  } finally {
    await runtime.close();
  }
}

interface ListUsersOptions {
  readonly search?: string;
  readonly role?: User['role'];
  readonly state?: UserState;
  readonly json?: boolean;
}

/** Opens the runtime and the security services over it (a lock ends sessions in the store too); closes them after `run`. */
async function withAdministration<T>(cli: CommandContext, run: (administration: UserAdministration) => Promise<T>): Promise<T> {
  const config = cli.config();
  const runtime = await openRuntime(config, { migrate: true });
  try {
    const security = createSecurity(config, {
      database: runtime.database,
      store: runtime.store,
      clock: systemClock,
      // No command here sends mail (resetting factors, which does, is the API's).
      mailer: loggingMailer(() => undefined),
      onMailError: () => undefined,
    });
    // What a lock or unlock records must reach the log before the command exits.
    const eventLog = new SecurityEventLog({ writer: new SecurityEventsRepository(runtime.database.db, runtime.database.engine), clock: systemClock, queueLimit: config.securityEventsQueueLimit });
    const unsubscribe = security.events.subscribe(eventLog.listener);
    try {
      return await run(security.userAdministration);
    } finally {
      unsubscribe();
      await eventLog.close();
    }
  } catch (error) {
    if (error instanceof HttpError && (error.code === 'not_found' || error.code === 'forbidden')) throw new CommandFailure(`error: ${error.message}`);
    throw error;
  } finally {
    await runtime.close();
  }
}

function stateOf(user: User): UserState {
  if (!user.isActive) return 'locked';
  return user.passwordResetRequired ? 'reset_required' : 'active';
}

/** `users list`: every matching user in email order, a line each (or one JSON array). */
export async function listUsers(cli: CommandContext, options: ListUsersOptions): Promise<void> {
  const found = await withAdministration(cli, async (administration) => {
    const all: User[] = [];
    let cursor: string | undefined;
    do {
      const page = await administration.list({ emailPrefix: options.search, role: options.role, state: options.state, limit: USER_LIST_MAX_LIMIT, cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return all;
  });
  if (options.json === true) {
    const rows = found.map((user) => ({ id: user.id, email: user.email, role: user.role, state: stateOf(user), locked_at: user.lockedAt, created_at: user.createdAt }));
    cli.print(JSON.stringify(rows, null, 2));
    return;
  }
  for (const user of found) cli.print(`${user.email}\t${user.role}\t${stateOf(user)}\t${user.id}`);
  cli.printError(`${found.length} user${found.length === 1 ? '' : 's'}`);
}

function emailArgument(email: string): string {
  const normalized = normalizeEmail(email);
  if (!EMAIL_SHAPE.test(normalized) || normalized.length > EMAIL_MAX_LENGTH) throw new CommandFailure('error: <email> is not an email address', EXIT_USAGE);
  return normalized;
}

/** `users lock <email>`: sign-in refused, every session and token of theirs ends now; recorded as `cli_lock`. */
export async function lockUser(cli: CommandContext, email: string): Promise<void> {
  const address = emailArgument(email);
  await withAdministration(cli, async (administration) => {
    const user = await administration.findByEmail(address);
    await administration.lock(user.id, { kind: 'cli' });
  });
  cli.print(`locked ${address}: sign-in refused, every session ended`);
}

/** `users unlock <email>`: they may sign in again; recorded as `cli_unlock`. */
export async function unlockUser(cli: CommandContext, email: string): Promise<void> {
  const address = emailArgument(email);
  await withAdministration(cli, async (administration) => {
    const user = await administration.findByEmail(address);
    await administration.unlock(user.id, { kind: 'cli' });
  });
  cli.print(`unlocked ${address}: they may sign in again`);
}
