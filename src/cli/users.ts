import type { Command } from 'commander';
import { EmailTakenError, UsersRepository, normalizeEmail } from '../db/repositories/users.js';
import { hashPassword, passwordProblem, passwordProblemMessage } from '../security/passwords.js';
import { openRuntime } from '../runtime.js';
import { CommandFailure, EXIT_USAGE, commandConfig, print } from './context.js';
import { askHidden, canPrompt } from './prompt.js';

/** Where the password comes from when no one is at a terminal; argv is never a source (it shows in `ps` and shell history). */
export const ADMIN_PASSWORD_VARIABLE = 'ADMIN_PASSWORD';

/** The same shape the API accepts, kept simple: one @, something on each side, no spaces. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
const EMAIL_MAX_LENGTH = 320;

/** From ADMIN_PASSWORD, else asked twice on the terminal without echo. */
async function readAdminPassword(): Promise<string> {
  const fromEnvironment = process.env[ADMIN_PASSWORD_VARIABLE];
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  if (!canPrompt()) {
    throw new CommandFailure(`error: no password: set ${ADMIN_PASSWORD_VARIABLE} or run on a terminal to be asked (passwords are never taken from the command line)`, EXIT_USAGE);
  }
  const password = await askHidden('Password for the new admin: ');
  const repeated = await askHidden('Repeat the password: ');
  if (password !== repeated) throw new CommandFailure('error: the passwords do not match', EXIT_USAGE);
  return password;
}

interface CreateAdminOptions {
  readonly email: string;
  readonly fullName?: string;
  readonly promoteExisting?: boolean;
}

async function createAdmin(options: CreateAdminOptions): Promise<void> {
  const email = normalizeEmail(options.email);
  if (!EMAIL_SHAPE.test(email) || email.length > EMAIL_MAX_LENGTH) throw new CommandFailure('error: --email is not an email address', EXIT_USAGE);
  const config = commandConfig();
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
      print(existing.role === 'admin' ? `${email} is already an admin (id ${existing.id})` : `promoted ${email} to admin (id ${existing.id}); their password is unchanged`);
      return;
    }
    const password = await readAdminPassword();
    const problem = passwordProblem(password, email);
    if (problem !== undefined) throw new CommandFailure(`error: the password ${passwordProblemMessage(problem)}`, EXIT_USAGE);
    try {
      const created = await users.create({ email, passwordHash: await hashPassword(password), fullName: options.fullName ?? null, role: 'admin' });
      print(`created admin ${created.email} (id ${created.id})`);
    } catch (error) {
      // Someone registered the same email between the check and the insert.
      if (error instanceof EmailTakenError) throw new CommandFailure(`error: a user with the email ${email} already exists`);
      throw error;
    }
  } finally {
    await runtime.close();
  }
}

export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('manage user accounts');
  users
    .command('create-admin')
    .description(
      `create a user with the admin role. The password comes from the ${ADMIN_PASSWORD_VARIABLE} environment variable or, on a terminal, a hidden prompt; ` +
        'never from the command line. The password policy of sign-up applies (12-128 characters, not a common password, not the email). ' +
        'An existing email is an error (exit 1) unless --promote-existing is given.',
    )
    .requiredOption('--email <email>', 'the admin\'s email address')
    .option('--full-name <name>', 'the admin\'s display name')
    .option('--promote-existing', 'if the email already belongs to a user, give that user the admin role (their password is unchanged)')
    .action(async (options: CreateAdminOptions) => {
      await createAdmin(options);
    });
}
