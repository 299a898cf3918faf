/**
 * Torque Pro / Car Scanner style CSV logs, read as a stream of lines.
 *
 * Wide logs (Torque Pro): a header row of PID names with their units in
 * parentheses (`Engine RPM(rpm)`, `Speed (OBD)(km/h)`, `Engine Coolant
 * Temperature(°F)`), time columns (`Device Time` `03-Dec-2026 14:22:05.123`,
 * `GPS Time` `Thu Dec 03 14:22:05 GMT+01:00 2026`, or seconds), then one row
 * a sample. Long logs (Car Scanner): `SECONDS;PID;VALUE;UNITS`, one row a value.
 *
 * Fields are separated by commas, semicolons or tabs (whichever the header
 * uses), optionally in double quotes (`""` a quote; a quoted field ends on its
 * line); a decimal comma is read like a decimal point; `-`, an empty field,
 * `NaN` and `∞` are missing values. Common PIDs get their canonical name and
 * SI unit (°F → °C, mph → km/h, psi → kPa …); other numeric columns are kept
 * under their header as written, in their own unit, and listed in
 * `unknownColumns`. Every series is downsampled while it streams (min/max,
 * at most `maxPointsPerSeries` points), so memory does not grow with the log.
 */
import { describeBytes, type BoundedLine } from '../../io/bounded-lines.js';
import { MinMaxDownsampler } from './downsample.js';
import { conversionFor, pidForColumn, round } from './pids.js';
import { DEFAULT_SCAN_LIMITS, ScanParseError, type Scan, type ScanLimits, type ScanSeries } from './types.js';

type Delimiter = ',' | ';' | '\t';

/** The delimiter the header uses most, outside quotes. */
function detectDelimiter(header: string): Delimiter {
  const counts = new Map<Delimiter, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const character of header) {
    if (character === '"') quoted = !quoted;
    else if (!quoted && counts.has(character as Delimiter)) counts.set(character as Delimiter, (counts.get(character as Delimiter) ?? 0) + 1);
  }
  let best: Delimiter = ',';
  for (const [delimiter, count] of counts) if (count > (counts.get(best) ?? 0)) best = delimiter;
  return best;
}

/** The fields of one line, or a reason it cannot be read. */
export function splitCsvLine(text: string, delimiter: Delimiter): string[] | string {
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    if (text.charAt(index) === '"') {
      let field = '';
      index += 1;
      for (;;) {
        const quote = text.indexOf('"', index);
        if (quote < 0) return 'a quoted field is not closed on its line';
        field += text.slice(index, quote);
        if (text.charAt(quote + 1) === '"') {
          field += '"';
          index = quote + 2;
        } else {
          index = quote + 1;
          break;
        }
      }
      fields.push(field);
      if (index === text.length) return fields;
      if (text.charAt(index) !== delimiter) return 'text follows a quoted field before the next separator';
      index += 1;
    } else {
      const end = text.indexOf(delimiter, index);
      if (end < 0) {
        fields.push(text.slice(index));
        return fields;
      }
      fields.push(text.slice(index, end));
      index = end + 1;
    }
  }
}

const MISSING = new Set(['', '-', 'nan', '∞', '-∞', 'infinity', '-infinity', 'n/a']);
const NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/;

/** A number with a decimal point or comma; null for a missing value; undefined for text that is not a number. */
export function parseLogNumber(field: string): number | null | undefined {
  const text = field.trim();
  if (MISSING.has(text.toLowerCase())) return null;
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text.replace(',', '.'));
  return Number.isFinite(value) ? value : undefined;
}

const MONTHS: Readonly<Record<string, number>> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/** A time of the log: milliseconds on the log's own axis, and whether it is absolute (its zone known). */
interface LogTime {
  readonly ms: number;
  readonly absolute: boolean;
}

const DEVICE_TIME = /^(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;
const GPS_TIME = /^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))? (?:GMT|UTC)(?:([+-])(\d{2}):?(\d{2}))? (\d{4})$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function wallClock(year: number, month: string, day: number, hours: number, minutes: number, seconds: number, millis: string | undefined): number | undefined {
  const monthIndex = MONTHS[month.toLowerCase()];
  if (monthIndex === undefined || day < 1 || day > 31 || hours > 23 || minutes > 59 || seconds > 60) return undefined;
  return Date.UTC(year, monthIndex, day, hours, minutes, seconds, Number((millis ?? '0').padEnd(3, '0')));
}

/** Reads `Device Time` (wall clock, no zone), `GPS Time` (with its GMT offset), ISO 8601, or seconds. */
export function parseLogTime(field: string): LogTime | null | undefined {
  const text = field.trim();
  if (MISSING.has(text.toLowerCase())) return null;
  const device = DEVICE_TIME.exec(text);
  if (device !== null) {
    const ms = wallClock(Number(device[3]), device[2] ?? '', Number(device[1]), Number(device[4]), Number(device[5]), Number(device[6]), device[7]);
    return ms === undefined ? undefined : { ms, absolute: false };
  }
  const gps = GPS_TIME.exec(text);
  if (gps !== null) {
    const ms = wallClock(Number(gps[10]), gps[1] ?? '', Number(gps[2]), Number(gps[3]), Number(gps[4]), Number(gps[5]), gps[6]);
    if (ms === undefined) return undefined;
    const offset = gps[7] === undefined ? 0 : (gps[7] === '-' ? -1 : 1) * (Number(gps[8]) * 60 + Number(gps[9])) * 60_000;
    return { ms: ms - offset, absolute: true };
  }
  if (ISO_TIME.test(text)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text);
    const ms = Date.parse(zoned ? text : `${text.replace(' ', 'T')}Z`);
    return Number.isFinite(ms) ? { ms, absolute: zoned } : undefined;
  }
  const seconds = parseLogNumber(text);
  return seconds === undefined || seconds === null ? undefined : { ms: Math.round(seconds * 1000), absolute: false };
}

const TIME_COLUMNS = ['device time', 'gps time', 'time', 'seconds', 'time (s)', 'time(s)', 'timestamp'] as const;

interface ValueColumn {
  readonly index: number;
  /** The series key: a canonical PID name, or the header as written. */
  readonly key: string;
  readonly unit: string;
  readonly convert: (value: number) => number;
  readonly known: boolean;
}

/** `Speed (OBD)(km/h)` → name `Speed (OBD)`, unit `km/h`; a known name is never split (`Speed (OBD)` alone has no unit). */
function splitHeader(header: string): { name: string; unit: string | undefined } {
  if (pidForColumn(header) !== undefined) return { name: header, unit: undefined };
  const match = /^(.*?)\s*\(([^()]*)\)$/.exec(header);
  return match === null || (match[1] ?? '') === '' ? { name: header, unit: undefined } : { name: match[1] ?? header, unit: match[2] };
}

class SeriesSet {
  private readonly series = new Map<string, { unit: string; sampler: MinMaxDownsampler }>();
  constructor(private readonly maxPoints: number) {}

  add(key: string, unit: string, time: number, value: number): void {
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { unit, sampler: new MinMaxDownsampler(this.maxPoints) };
      this.series.set(key, entry);
    }
    entry.sampler.add(time, value);
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  result(): Record<string, ScanSeries> {
    const result = Object.create(null) as Record<string, ScanSeries>;
    for (const [key, entry] of this.series) result[key] = { unit: entry.unit, points: entry.sampler.points() };
    return result;
  }
}

/** Reads a log read with {@link scanLines}; throws {@link ScanParseError}, never returns part of a scan. */
export async function parseTorqueCsv(lines: AsyncIterable<BoundedLine>, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<Scan> {
  let lineNumber = 0;
  let rows = 0;
  let delimiter: Delimiter = ',';
  let header: string[] | undefined;
  let reader: RowReader | undefined;
  for await (const line of lines) {
    lineNumber += 1;
    if (typeof line !== 'string') throw new ScanParseError(lineNumber, `the line is ${line.bytes} bytes long, more than the ${describeBytes(limits.maxLineBytes)} a line may have`);
    if (line.trim() === '') continue;
    if (header === undefined) delimiter = detectDelimiter(line);
    const fields = splitCsvLine(line, delimiter);
    if (typeof fields === 'string') throw new ScanParseError(lineNumber, fields);
    if (fields.length > limits.maxColumns) throw new ScanParseError(lineNumber, `the line has ${fields.length} columns, more than the ${limits.maxColumns} a log may have`);
    if (header === undefined || reader === undefined) {
      header = fields.map((field) => field.trim());
      reader = isLongFormat(header) ? new LongRowReader(header, limits) : new WideRowReader(header, limits, lineNumber);
      continue;
    }
    // Torque writes the header again when logging restarts.
    if (fields.length === header.length && fields.every((field, index) => field.trim() === header?.[index])) continue;
    rows += 1;
    if (rows > limits.maxLines) throw new ScanParseError(lineNumber, `the log has more than ${limits.maxLines} rows`);
    if (fields.length !== header.length) throw new ScanParseError(lineNumber, `the row has ${fields.length} fields, the header has ${header.length}`);
    reader.row(fields, lineNumber);
  }
  if (reader === undefined) throw new ScanParseError(Math.max(lineNumber, 1), 'the log is empty: no header row');
  return reader.result();
}

interface RowReader {
  row(fields: readonly string[], line: number): void;
  result(): Scan;
}

class TimeAxis {
  private first: number | undefined;
  private last = 0;
  takenAt: string | undefined;

  /** Milliseconds since the first sample; undefined for a row earlier than the one before (a clock that jumped back). */
  at(time: LogTime): number | undefined {
    if (this.first === undefined) {
      this.first = time.ms;
      if (time.absolute) this.takenAt = new Date(time.ms).toISOString();
    }
    const offset = time.ms - this.first;
    if (offset < this.last) return undefined;
    this.last = offset;
    return offset;
  }
}

class WideRowReader implements RowReader {
  private readonly timeIndex: number;
  private readonly absoluteIndex: number | undefined;
  private readonly columns: ValueColumn[] = [];
  private readonly unknown: string[] = [];
  private readonly axis = new TimeAxis();
  private readonly series: SeriesSet;

  constructor(header: readonly string[], limits: ScanLimits, line: number) {
    this.series = new SeriesSet(limits.maxPointsPerSeries);
    const lower = header.map((name) => name.toLowerCase());
    const timeIndex = TIME_COLUMNS.map((name) => lower.indexOf(name)).find((index) => index >= 0);
    if (timeIndex === undefined) throw new ScanParseError(line, 'no time column (Device Time, GPS Time, Time or Seconds) in the header');
    this.timeIndex = timeIndex;
    const gps = lower.indexOf('gps time');
    this.absoluteIndex = gps >= 0 && gps !== timeIndex ? gps : undefined;
    const taken = new Set<string>();
    header.forEach((name, index) => {
      if ((TIME_COLUMNS as readonly string[]).includes(lower[index] ?? '')) return;
      if (name === '') throw new ScanParseError(line, `column ${index + 1} has no name`);
      const { name: pidName, unit } = splitHeader(name);
      const pid = pidForColumn(pidName);
      const convert = pid === undefined ? undefined : conversionFor(pid, unit);
      if (pid !== undefined && convert !== undefined && !taken.has(pid.name)) {
        taken.add(pid.name);
        this.columns.push({ index, key: pid.name, unit: pid.unit, convert, known: true });
        return;
      }
      // Kept as written (a second column with the same name gets a number).
      let key = name;
      for (let copy = 2; taken.has(key); copy += 1) key = `${name} (${copy})`;
      taken.add(key);
      this.unknown.push(key);
      this.columns.push({ index, key, unit: unit ?? '', convert: (value) => value, known: false });
    });
  }

  row(fields: readonly string[], line: number): void {
    const time = parseLogTime(fields[this.timeIndex] ?? '');
    if (time === undefined) throw new ScanParseError(line, `"${shorten(fields[this.timeIndex] ?? '')}" is not a time`);
    if (time === null) return;
    if (this.axis.takenAt === undefined && this.absoluteIndex !== undefined) {
      const absolute = parseLogTime(fields[this.absoluteIndex] ?? '');
      if (absolute?.absolute === true) this.axis.takenAt = new Date(absolute.ms).toISOString();
    }
    const offset = this.axis.at(time);
    if (offset === undefined) return;
    for (const column of this.columns) {
      const value = parseLogNumber(fields[column.index] ?? '');
      if (value === null) continue;
      if (value === undefined) {
        // Text in an unknown column (a trip name, a note) is not plotted; in a known one it is an error.
        if (column.known) throw new ScanParseError(line, `${column.key}: "${shorten(fields[column.index] ?? '')}" is not a number`);
        continue;
      }
      this.series.add(column.key, column.unit, offset, column.known ? round(column.convert(value)) : value);
    }
  }

  result(): Scan {
    const series = this.series.result();
    const mileageKm = loggedMileage(series);
    return {
      ...(this.axis.takenAt === undefined ? {} : { takenAt: this.axis.takenAt }),
      ...(mileageKm === undefined ? {} : { mileageKm }),
      codes: [],
      freezeFrames: [],
      series,
      unknownColumns: [...this.unknown],
    };
  }
}

function isLongFormat(header: readonly string[]): boolean {
  const lower = header.map((name) => name.toLowerCase());
  return lower.length === 4 && lower[0] === 'seconds' && lower[1] === 'pid' && lower[2] === 'value' && lower[3] === 'units';
}

/** Car Scanner: `SECONDS;PID;VALUE;UNITS`, one value a row. */
class LongRowReader implements RowReader {
  private readonly series: SeriesSet;
  private readonly unknown = new Set<string>();
  private readonly axis = new TimeAxis();
  private readonly maxColumns: number;
  private readonly keys = new Map<string, { key: string; unit: string; convert: (value: number) => number; known: boolean }>();

  constructor(_header: readonly string[], limits: ScanLimits) {
    this.series = new SeriesSet(limits.maxPointsPerSeries);
    this.maxColumns = limits.maxColumns;
  }

  row(fields: readonly string[], line: number): void {
    const [secondsField = '', name = '', valueField = '', unit = ''] = fields.map((field) => field.trim());
    const time = parseLogTime(secondsField);
    if (time === undefined) throw new ScanParseError(line, `"${shorten(secondsField)}" is not a time`);
    const value = parseLogNumber(valueField);
    if (time === null || value === null || value === undefined || name === '') return;
    const id = `${name}\u0000${unit}`;
    let target = this.keys.get(id);
    if (target === undefined) {
      if (this.keys.size >= this.maxColumns) throw new ScanParseError(line, `the log names more than ${this.maxColumns} PIDs`);
      const pid = pidForColumn(name);
      const convert = pid === undefined ? undefined : conversionFor(pid, unit);
      if (pid !== undefined && convert !== undefined && ![...this.keys.values()].some((other) => other.key === pid.name)) target = { key: pid.name, unit: pid.unit, convert, known: true };
      else {
        const key = unit === '' ? name : `${name}(${unit})`;
        this.unknown.add(key);
        target = { key, unit, convert: (raw) => raw, known: false };
      }
      this.keys.set(id, target);
    }
    const offset = this.axis.at(time);
    if (offset === undefined) return;
    this.series.add(target.key, target.unit, offset, target.known ? round(target.convert(value)) : value);
  }

  result(): Scan {
    const series = this.series.result();
    const mileageKm = loggedMileage(series);
    return { ...(mileageKm === undefined ? {} : { mileageKm }), codes: [], freezeFrames: [], series, unknownColumns: [...this.unknown] };
  }
}

/**
 * The log's mileage: the highest odometer reading it logged, in whole km (the
 * min/max downsampling keeps the extremes, so this is the true highest).
 */
function loggedMileage(series: Scan['series']): number | undefined {
  const odometer = series.odometer;
  if (odometer?.unit !== 'km' || odometer.points.length === 0) return undefined;
  const highest = Math.max(...odometer.points.map(([, km]) => km));
  return Number.isFinite(highest) && highest >= 0 ? Math.round(highest) : undefined;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
