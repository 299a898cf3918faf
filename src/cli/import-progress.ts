import cliProgress from 'cli-progress';
import type { ImportOptions, ImportProblem, ImportProgress, ImportReport } from '../importers/index.js';
import { scrubSecrets } from '../observability/index.js';
import type { CommandContext } from './context.js';
import { CommandFailure } from './exit-status.js';

/** Problems printed one by one; past this only their number is reported (the totals count them all). */
const MAX_PRINTED_PROBLEMS = 50;
/** Without a terminal, a plain progress line at most this often. */
const PLAIN_PROGRESS_INTERVAL_MS = 5000;

export interface ImportReporter extends Pick<ImportOptions, 'onProgress' | 'onProblem'> {
  /** Stops the bar and prints the totals (text, or the whole report as JSON). */
  finish(report: ImportReport): void;
  /** Stops the bar after a failure, so the error message starts on a clean line. */
  abort(): void;
  /** Stops the bar and prints the totals of an import that was stopped early (the caller then fails). */
  stopped(report: ImportReport): void;
}

function megabytes(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}

function totalsLine(label: string, totals: Omit<ImportProgress, 'bytesRead' | 'totalBytes'>): string {
  return `${label}: read ${totals.read}, inserted ${totals.inserted}, updated ${totals.updated}, unchanged ${totals.unchanged}, skipped ${totals.skipped}`;
}

/**
 * Progress for a long import: a bar on a terminal (stderr), periodic plain
 * lines otherwise (logs, CI). Rejected lines are printed with their line
 * numbers as they are found; everything goes through the secret scrubber.
 */
export function importReporter(cli: CommandContext, label: string, options: { readonly json: boolean }): ImportReporter {
  const { print, printError } = cli;
  const interactive = cli.io.stderr.isTTY === true && !options.json;
  let printedProblems = 0;
  let lastPlainLine = Date.now();
  const multiBar = interactive
    ? new cliProgress.MultiBar(
        {
          stream: cli.io.stderr,
          format: `${label} [{bar}] {percentage}% | {megabytesRead}/{megabytesTotal} MB | read {read} inserted {inserted} updated {updated} unchanged {unchanged} skipped {skipped}`,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let bar: cliProgress.SingleBar | undefined;

  const stop = (): void => {
    multiBar?.stop();
  };
  const stopped = (report: ImportReport): void => {
    stop();
    if (printedProblems > MAX_PRINTED_PROBLEMS) printError(`${label}: ${printedProblems - MAX_PRINTED_PROBLEMS} more skipped lines not shown`);
    if (options.json) print(JSON.stringify(report, null, 2));
    else print(totalsLine(label, report));
  };

  return {
    onProgress(progress: ImportProgress) {
      const total = progress.totalBytes ?? Math.max(progress.bytesRead, 1);
      const payload = { ...progress, megabytesRead: megabytes(progress.bytesRead), megabytesTotal: megabytes(total) };
      if (multiBar !== undefined) {
        bar ??= multiBar.create(total, 0, payload);
        bar.update(Math.min(progress.bytesRead, total), payload);
        return;
      }
      if (options.json || Date.now() - lastPlainLine < PLAIN_PROGRESS_INTERVAL_MS) return;
      lastPlainLine = Date.now();
      const percent = progress.totalBytes === undefined || progress.totalBytes === 0 ? '' : ` (${Math.floor((100 * progress.bytesRead) / progress.totalBytes)}% of the file)`;
      print(`${totalsLine(label, progress)}${percent}`);
    },
    onProblem(problem: ImportProblem) {
      printedProblems += 1;
      if (printedProblems > MAX_PRINTED_PROBLEMS) return;
      const line = `${label}: line ${problem.line} skipped: ${problem.message}`;
      if (multiBar !== undefined) multiBar.log(`${scrubSecrets(line).line}\n`);
      else printError(line);
    },
    finish(report: ImportReport) {
      stopped(report);
      if (report.read > 0 && report.skipped === report.read) {
        throw new CommandFailure(`${label}: every record was rejected; is this the right file and layout?`);
      }
    },
    abort: stop,
    stopped,
  };
}
