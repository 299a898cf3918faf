import { EmailTakenError, UsersRepository, normalizeEmail } from '../db/repositories/users.js';
import { HttpError } from '../errors.js';
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
