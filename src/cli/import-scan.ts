import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ScansRepository } from '../db/repositories/scans.js';
import { importScan, MAX_SCANS_PER_VEHICLE, ScanTooLargeError } from '../garage/scan-import.js';
import { ScanParseError, type ScanFormat } from '../garage/scans/types.js';
import { openRuntime } from '../runtime.js';
import type { CommandContext } from './context.js';
import { CommandFailure } from './exit-status.js';

export interface ImportScanOptions {
  readonly vehicle: string;
  readonly format?: ScanFormat;
  readonly mileage?: number;
  /** Record a mileage lower than the latest reading (the latest was mistyped). */
  readonly correct?: boolean;
}

/** Why one file was not imported, in one line (never a stack). */
function describeFileFailure(error: unknown): string | undefined {
  if (error instanceof ScanParseError) return `line ${error.line}: ${error.reason}`;
  if (error instanceof ScanTooLargeError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'the file cannot be read (permission denied)';
  if (code === 'EISDIR') return 'a directory, not a file';
  return undefined;
}

/**
 * `import scan <files...> --vehicle <id>`: each file becomes a scan of the
 * vehicle (owned by whoever owns the vehicle), through the same import as the
 * upload route: streamed, parsed, stored with its odometer reading in one
 * transaction. One line a file on stdout; a file that fails is named on
 * stderr with why (`line N: reason`) and the others are still imported; the
 * exit status is 1 when any failed.
 */
export async function importScanFiles(cli: CommandContext, files: readonly string[], options: ImportScanOptions): Promise<void> {
  const config = cli.config();
  const runtime = await openRuntime(config, { migrate: true });
  try {
    const scans = new ScansRepository(runtime.database.db);
    const userId = await scans.ownerOfVehicle(options.vehicle);
    if (userId === undefined) throw new CommandFailure(`error: no vehicle with the id ${options.vehicle} (see the vehicle's page or GET /api/v1/garage/vehicles)`);
    let failed = 0;
    for (const file of files) {
      const filePath = cli.resolvePath(file);
      try {
        const info = await stat(filePath);
        if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: info.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
        const result = await importScan(scans, {
          userId,
          vehicleId: options.vehicle,
          fileName: path.basename(filePath),
          format: options.format,
          mileageKm: options.mileage,
          correctOdometer: options.correct,
          chunks: createReadStream(filePath),
          now: () => new Date().toISOString(),
        });
        if (result.kind === 'not_found') throw new CommandFailure(`error: the vehicle ${options.vehicle} was removed while importing`);
        if (result.kind === 'limit') {
          failed += 1;
          cli.printError(`${file}: not imported: the vehicle already has ${MAX_SCANS_PER_VEHICLE} scans; remove one first`);
          continue;
        }
        const { scan } = result;
        const codes = scan.code_counts.stored + scan.code_counts.pending + scan.code_counts.permanent;
        const odometer = scan.odometer === null ? '' : scan.odometer.recorded ? `, odometer ${scan.odometer.km} km recorded` : `, odometer ${scan.odometer.km} km not recorded (lower than the latest reading; --correct records it)`;
        cli.print(`${file}: scan ${scan.id} (${scan.format}, ${codes} codes, ${scan.freeze_frames.length} freeze frames, ${scan.series_names.length} series${odometer})`);
      } catch (error) {
        const reason = describeFileFailure(error);
        if (reason === undefined && (error as { code?: unknown } | null)?.code !== 'ENOTFILE') throw error;
        failed += 1;
        cli.printError(`${file}: not imported: ${reason ?? 'not a regular file'}`);
      }
    }
    if (failed > 0) throw new CommandFailure(`error: ${failed} of ${files.length} ${files.length === 1 ? 'file was' : 'files were'} not imported`);
  } finally {
    await runtime.close();
  }
}
