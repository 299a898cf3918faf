/**
 * The canonical scan every input format is parsed into (issue 20): what the
 * adapter read (trouble codes and their status), the freeze frames, and a
 * downsampled time series of a log. Pure data: nothing here touches a
 * database or a route.
 */

export type ScanCodeStatus = 'stored' | 'pending' | 'permanent';

export const SCAN_CODE_STATUSES: readonly ScanCodeStatus[] = ['stored', 'pending', 'permanent'];

export interface ScanCode {
  /** A normalised SAE J2012 code (src/diagnostics/dtc-code.ts), e.g. `P0171`. */
  readonly code: string;
  readonly status: ScanCodeStatus;
  /** The control unit that reported it when the input says (`7E8`, `18DAF110`, `10`), else absent. */
  readonly ecu?: string;
}

export interface ScanValue {
  readonly value: number;
  readonly unit: string;
}

export interface ScanFreezeFrame {
  /** The code that stored the frame (mode 02 PID 02), null when the input does not say. */
  readonly code: string | null;
  readonly ecu?: string;
  /** Canonical PID name (see pids.ts) → value in its canonical unit. */
  readonly values: Readonly<Record<string, ScanValue>>;
}

export interface ScanSeries {
  readonly unit: string;
  /** `[milliseconds since the first sample, value]`, in time order, at most the limit's points. */
  readonly points: readonly (readonly [number, number])[];
}

export interface Scan {
  /** ISO 8601 with a zone, when the input has an absolute time. */
  readonly takenAt?: string;
  readonly mileageKm?: number;
  readonly codes: readonly ScanCode[];
  readonly freezeFrames: readonly ScanFreezeFrame[];
  /** Canonical PID name, or an unknown column's header as it was → the series. */
  readonly series: Readonly<Record<string, ScanSeries>>;
  /** Columns (CSV), PIDs (ELM327, `mode 02 PID 1F`) or series names (JSON) the parser does not know: kept as they were or only reported. */
  readonly unknownColumns: readonly string[];
}

export type ScanFormat = 'torque-csv' | 'elm327' | 'json';

/** Every input is bounded: a line, the lines or rows, the columns, the codes, the points kept per series. */
export interface ScanLimits {
  /** Longest line, in bytes (checked by {@link scanLines}). */
  readonly maxLineBytes: number;
  /** Most lines (ELM327, JSON) or rows (CSV). */
  readonly maxLines: number;
  /** Most CSV columns. */
  readonly maxColumns: number;
  /** Points kept per series after downsampling (at least 4). */
  readonly maxPointsPerSeries: number;
  /** Most trouble codes and freeze frames a scan may carry. */
  readonly maxCodes: number;
  /** Largest JSON document, in bytes. */
  readonly maxJsonBytes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = Object.freeze({
  maxLineBytes: 64 * 1024,
  maxLines: 5_000_000,
  maxColumns: 512,
  maxPointsPerSeries: 2000,
  maxCodes: 500,
  maxJsonBytes: 8 * 1024 * 1024,
});

/**
 * Why an input was refused: the 1-based line and a short English reason, so a
 * route can answer 422 `{line, reason}`. A parser that throws it returns nothing.
 */
export class ScanParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'ScanParseError';
  }
}
