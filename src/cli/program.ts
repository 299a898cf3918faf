import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_BATCH_SIZE } from '../importers/import-run.js';
import { PACKAGE_VERSION } from '../version.js';
import {
  ADMIN_PASSWORD_VARIABLE,
  CSRF_TOKEN_KEY_PREFIX,
  CSRF_WARNING,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DENYLIST_KEY_PREFIX,
  DENYLIST_WARNING,
  DURABLE_DENYLIST_TABLE,
  EXPORTABLE_TABLES,
  EXPORT_REFUSALS,
  MAX_BATCH_SIZE,
  MAX_SCAN_MILEAGE_KM,
  SCAN_FORMAT_NAMES,
  USER_STATES,
} from './constants.js';
import type { CommandContext } from './context.js';
import { EXIT_SUCCESS, EXIT_USAGE } from './exit-status.js';
import type { CliIo, CliOutput } from './io.js';

/**
 * The `autocognitix` command: its tree of commands with their arguments,
 * options and descriptions, and {@link runCli}, which runs one command line.
 * Importing this module has no effect. Each command's module (and the
 * database, store and server code behind it) is imported only when that
 * command runs, so `--help` and a mistyped command load none of them.
 */

type CommandRun<Args extends unknown[]> = (cli: CommandContext, ...args: Args) => Promise<void> | void;

/** An action that imports the command's module and its context only now, then runs it. */
function runs<Args extends unknown[]>(io: CliIo, load: () => Promise<CommandRun<Args>>): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    const [{ createCommandContext }, run] = await Promise.all([import('./context.js'), load()]);
    await run(createCommandContext(io), ...args);
  };
}

function batchSize(value: string): number {
  const size = Number(value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_BATCH_SIZE}`);
  return size;
}

function mileageKm(value: string): number {
  const km = Number(value);
  if (!/^\d{1,7}$/.test(value) || km > MAX_SCAN_MILEAGE_KM) throw new InvalidArgumentError(`a whole number of kilometres from 0 to ${MAX_SCAN_MILEAGE_KM}`);
  return km;
}

function timeoutMilliseconds(value: string): number {
  const milliseconds = Number(value);
  if (!Number.isInteger(milliseconds) || milliseconds < 100 || milliseconds > 60_000) throw new InvalidArgumentError('a whole number of milliseconds from 100 to 60000');
  return milliseconds;
}

const batchSizeOption = (): Option =>
  new Option('--batch-size <rows>', `rows per transaction (1-${MAX_BATCH_SIZE})`).argParser(batchSize).default(DEFAULT_BATCH_SIZE);
const encodingOption = (): Option => new Option('--encoding <encoding>', 'text encoding of the file').choices(['latin1', 'utf8']).default('latin1');

/** The configuration, the schema and the data: config, migrate, seed, import, export, backup, restore. */
function addDataCommands(program: Command, io: CliIo): void {
  program
    .command('config')
    .description('inspect the configuration read from the environment')
    .command('check')
    .description('validate the environment and print the effective configuration, secrets masked')
    .option('--json', 'print JSON instead of aligned text')
    .action(runs(io, async () => (await import('./config-check.js')).configCheck));

  program
    .command('migrate')
    .description('apply pending database migrations (PostgreSQL when DATABASE_URL is set, else the embedded SQLite file)')
    .action(runs(io, async () => (await import('./migrate.js')).migrate));

  program
    .command('seed')
    .description('load the bundled trouble codes (seed/dtc-generic.json, and the makes’ own meanings from seed/dtc-manufacturer.json); safe to run again')
    .option('--json', 'print the final report as JSON')
    .action(runs(io, async () => (await import('./seed.js')).seed));

  const importCommand = program
    .command('import')
    .description('load data files into the database (PostgreSQL or the embedded SQLite file); safe to run again: unchanged rows are left alone');
  importCommand
    .command('dtc')
    .description('trouble codes from .json (an array of objects as in seed/dtc-manufacturer.json; make optional), .jsonl (one object per line) or .csv (header row; list cells separated by |)')
    .argument('<file>', 'a .json, .jsonl or .csv file')
    .addOption(batchSizeOption())
    .option('--source <label>', "added to each code's sources (default: the file name)")
    .option('--json', 'print the final report as JSON')
    .action(runs(io, async () => (await import('./import.js')).importDtc));
  importCommand
    .command('recalls')
    .description('NHTSA recalls: FLAT_RCL.txt (tab-separated, 27 or 29 fields) or the .zip NHTSA publishes')
    .argument('<file>', 'FLAT_RCL.txt or a .zip containing it')
    .addOption(batchSizeOption())
    .addOption(encodingOption())
    .option('--json', 'print the final report as JSON')
    .action(runs(io, async () => (await import('./import.js')).importRecallsFile));
  importCommand
    .command('complaints')
    .description('NHTSA complaints: FLAT_CMPL.txt (tab-separated, 49 or 51 fields, Latin-1) or the .zip NHTSA publishes; VINs and dealer fields are not stored')
    .argument('<file>', 'FLAT_CMPL.txt or a .zip containing it')
    .addOption(batchSizeOption())
    .addOption(encodingOption())
    .option('--json', 'print the final report as JSON')
    .action(runs(io, async () => (await import('./import.js')).importComplaintsFile));

  importCommand
    .command('scan')
    .description(
      'OBD scans into a garage vehicle, each file its own scan, as the upload route stores them: a Torque Pro / Car Scanner CSV log, a raw ELM327 ' +
        'transcript or our JSON scan (docs/API.md "Scan formats"). A mileage becomes an odometer reading unless lower than the latest (--correct records it anyway). ' +
        'One line a file; a file that cannot be read is named with its line and reason and the others are still imported (exit 1 if any failed)',
    )
    .argument('<files...>', 'one or more scan files')
    .requiredOption('--vehicle <id>', "the garage vehicle's id")
    .addOption(new Option('--format <format>', 'the files\' format (default: guessed from each file\'s first line)').choices([...SCAN_FORMAT_NAMES]))
    .option('--mileage <km>', 'the odometer in whole km, for every file (overrides what a file says)', mileageKm)
    .option('--correct', "record a mileage lower than the vehicle's latest reading: the latest was mistyped")
    .action(runs(io, async () => (await import('./import-scan.js')).importScanFiles));

  program
    .command('export')
    .description(
      `stream one table of reference data (${EXPORTABLE_TABLES.join(', ')}) as CSV or JSON, from one consistent snapshot. ` +
        `${Object.keys(EXPORT_REFUSALS).join(', ')} are refused (password hashes, personal data, security state): use \`backup\` for a full copy. ` +
        'A dtc_codes CSV can be loaded again with `import dtc`. In CSV, text a spreadsheet would run as a formula (starting with = + - @, tab or CR) ' +
        "gets a leading ' unless --raw.",
    )
    .argument('<table>', EXPORTABLE_TABLES.join(' | '))
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', "write to this file (replaced only when complete; created with the umask's permissions) instead of standard output")
    .option('--raw', "CSV for programs: no leading ' before cells that start like a formula")
    .action(runs(io, async () => (await import('./export.js')).exportCommand));

  program
    .command('backup')
    .description(
      'write every table (users included) from one consistent snapshot to a JSON Lines file: a header with the schema version, one line per row, an end marker. ' +
        'The file holds password hashes: it is created with mode 0600; keep it private. The key-value state (denylist, CSRF tokens, counters) is not included.',
    )
    .argument('<file>', 'the backup file to write (replaced only when the backup is complete)')
    .action(runs(io, async () => (await import('./backup.js')).backup));

  program
    .command('restore')
    .description(
      'replace the contents of the tables with a backup file, in one transaction: the file is checked in full first, the schema is migrated, ' +
        'then the tables are emptied and the rows inserted; any failure rolls everything back. A backup from a newer schema than this release knows is refused, ' +
        'and so is one that lacks a table of its own schema unless --tables names the tables to replace. Prints, table by table, the rows now and after. ' +
        'Refuses while a server is running against the database (its heartbeat is recent) unless --force. ' +
        'The key-value state is left alone: existing sessions of restored users stay valid.',
    )
    .argument('<file>', 'a file written by `autocognitix backup`')
    .option('--tables <names>', 'replace only these tables (comma-separated), leaving the others as they are')
    .option('--yes', 'do not ask for confirmation (needed when not on a terminal)')
    .option('--force', 'restore even though a server seems to be running against the database')
    .action(runs(io, async () => (await import('./restore.js')).restore));
}

/** Using the data: diagnose. */
function addDiagnosisCommands(program: Command, io: CliIo): void {
  program
    .command('diagnose')
    .description(
      'likely trouble codes and components for a description of what the car does (Hungarian or English), each with why and what to check next, ' +
        'as POST /api/v1/diagnosis/describe answers it; brings the symptom index up to date first',
    )
    .argument('<text>', 'the description, in quotes (3-1000 characters)')
    .option('--make <make>', 'the vehicle\'s make (with --model and --year: adds its related recalls and similar complaints)')
    .option('--model <model>', 'the vehicle\'s model')
    .option('--year <year>', 'the vehicle\'s model year (1900-2100)')
    .option('--code <codes...>', 'trouble codes already read (up to 20); they and what they share with the text rank higher')
    .option('--language <language>', 'hu or en: the language of titles, causes and checks (default: the language of the text)')
    .option('--json', 'print the whole answer as JSON, as the API gives it')
    .action(runs(io, async () => (await import('./diagnose.js')).diagnose));
}

/** Checks and administration: health-check, openapi, users, keys, security, security-events. */
function addOperationsCommands(program: Command, io: CliIo): void {
  program
    .command('health-check')
    .description(
      'check each configured dependency: ping the database (PostgreSQL or the embedded SQLite file) and the key-value store (Redis or embedded), ' +
        'and whether the schema is migrated; one line each with its timing; exit 1 if any fails. Never prints addresses or credentials.',
    )
    .option('--timeout-ms <ms>', 'how long each ping may take', timeoutMilliseconds, DEFAULT_HEALTH_TIMEOUT_MS)
    .option('--json', 'print the results as JSON')
    .action(runs(io, async () => (await import('./health-check.js')).healthCheck));

  program
    .command('openapi')
    .description(
      'print the OpenAPI 3 document the server serves at /api/v1/openapi.json, built from the route schemas without listening on a port ' +
        'and without needing the database or store to answer',
    )
    .option('--out <file>', 'write to this file instead of standard output')
    .action(runs(io, async () => (await import('./openapi.js')).openApi));

  const users = program.command('users').description('manage user accounts');
  users
    .command('create-admin')
    .description(
      `create a user with the admin role. The password comes from the ${ADMIN_PASSWORD_VARIABLE} environment variable or, on a terminal, a hidden prompt; ` +
        'never from the command line. The password policy of sign-up applies (12-128 characters, not a common password, not the email). ' +
        'An existing email is an error (exit 1) unless --promote-existing is given.',
    )
    .requiredOption('--email <email>', "the admin's email address")
    .option('--full-name <name>', "the admin's display name")
    .option('--promote-existing', 'if the email already belongs to a user, give that user the admin role (their password is unchanged)')
    .action(runs(io, async () => (await import('./users.js')).createAdmin));
  users
    .command('list')
    .description(
      'list users in email order, one a line: email, role, state (active, locked, reset_required) and id, separated by tabs; the count goes to stderr. ' +
        'Every match is listed (the API pages them).',
    )
    .option('--search <prefix>', 'only emails starting with this text (matched literally; case does not matter)')
    .addOption(new Option('--role <role>', 'only this role').choices(['user', 'admin']))
    .addOption(new Option('--state <state>', 'only users in this state').choices([...USER_STATES]))
    .option('--json', 'print one JSON array of {id, email, role, state, locked_at, created_at} instead')
    .action(runs(io, async () => (await import('./users.js')).listUsers));
  users
    .command('lock')
    .description(
      'lock a user: sign-in is refused (account_disabled) and every session and token of theirs ends at once. The last active admin cannot be locked. ' +
        'Recorded in the security log as admin_action cli_lock (no actor). An unknown email is exit 1.',
    )
    .argument('<email>', "the user's email address")
    .action(runs(io, async () => (await import('./users.js')).lockUser));
  users
    .command('unlock')
    .description('unlock a user: they may sign in again. Recorded as admin_action cli_unlock. An unknown email is exit 1.')
    .argument('<email>', "the user's email address")
    .action(runs(io, async () => (await import('./users.js')).unlockUser));

  program
    .command('keys')
    .description('the token signing keys (JWT_SECRET_KEY, JWT_PREVIOUS_SECRET_KEYS)')
    .command('rotate')
    .description(
      'print the steps that rotate the signing key without signing anyone out, the ids (kid) of the current and previous keys this environment holds, ' +
        'and the date the replaced key may be removed. Changes nothing, and never prints a key.',
    )
    .action(runs(io, async () => (await import('./keys.js')).rotateKeys));

  const security = program.command('security').description("the seed's rollback steps for the token denylist and CSRF tokens");
  security
    .command('purge-denylist')
    .description(
      `delete every JWT denylist entry (${DENYLIST_KEY_PREFIX}* keys, by SCAN + UNLINK, never FLUSHDB) and its durable copy in the database ` +
        `(${DURABLE_DENYLIST_TABLE}, which would otherwise refill the store), and print how many. WARNING: ${DENYLIST_WARNING}`,
    )
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(runs(io, async () => (await import('./security.js')).purgeDenylist));
  security
    .command('flush-csrf')
    .description(`delete every stored CSRF token (${CSRF_TOKEN_KEY_PREFIX}* keys, by SCAN + UNLINK, never FLUSHDB) and print how many. ${CSRF_WARNING}`)
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(runs(io, async () => (await import('./security.js')).flushCsrf));

  program
    .command('security-events')
    .description('the security activity log (docs/SECURITY.md)')
    .command('purge')
    .description(
      'delete the security events older than SECURITY_EVENTS_RETENTION_DAYS (default 365; 0 keeps them forever), in batches of 1000 rows, ' +
        'and print how many went. The server does the same once a day; running both at once is harmless.',
    )
    .option('--dry-run', 'only count the rows that would go')
    .action(runs(io, async () => (await import('./security-events.js')).purgeSecurityEventsCommand));
}

/** Help text wraps at a terminal's width, else at commander's usual 80 columns. */
const HELP_WIDTH_OFF_TERMINAL = 80;
const helpWidth = (stream: CliOutput) => (): number => (stream.isTTY === true ? (stream.columns ?? HELP_WIDTH_OFF_TERMINAL) : HELP_WIDTH_OFF_TERMINAL);

function buildProgram(io: CliIo): Command {
  // Output and exit settings first: subcommands copy them when they are added.
  const program = new Command('autocognitix')
    .description('AutoCognitix API administration: every command reads the same environment configuration as the server')
    .version(PACKAGE_VERSION, '-V, --version', 'print the version of this release')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: helpWidth(io.stdout),
      getErrHelpWidth: helpWidth(io.stderr),
      // The help has no colours of its own; this keeps commander from asking the process's streams.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showHelpAfterError()
    .exitOverride();
  addDataCommands(program, io);
  addDiagnosisCommands(program, io);
  addOperationsCommands(program, io);
  return program;
}

/**
 * Runs one `autocognitix` command line against `io` and returns its exit
 * status; it never exits the process, so a test calls it in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_SUCCESS;
  } catch (error) {
    // Help and version print and "fail" with code 0; usage mistakes are exit 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_SUCCESS : EXIT_USAGE;
    const { reportFailure } = await import('./failures.js');
    return reportFailure(error, io);
  }
}
