/**
 * Our own JSON scan shape (docs/API.md "Scan formats"), validated with a
 * TypeBox schema. The document is parsed here, not with JSON.parse, so that
 * every error, a syntax error or a field the schema refuses, names its line.
 */
import Type, { type Static } from 'typebox';
import Compile from 'typebox/compile';
import { DTC_CODE_INPUT_PATTERN, normalizeDtcCode } from '../../diagnostics/dtc-code.js';
import { describeBytes, type BoundedLine } from '../../io/bounded-lines.js';
import { MinMaxDownsampler } from './downsample.js';
import { conversionFor, PID_BY_NAME, round } from './pids.js';
import { DEFAULT_SCAN_LIMITS, ScanParseError, type Scan, type ScanCode, type ScanFreezeFrame, type ScanLimits, type ScanSeries, type ScanValue } from './types.js';

const code = Type.String({ pattern: DTC_CODE_INPUT_PATTERN });
const ecu = Type.String({ pattern: '^[0-9A-Fa-f]{2,8}$' });
const name = Type.String({ minLength: 1, maxLength: 128 });
const unit = Type.String({ maxLength: 32 });

export const jsonScanSchema = Type.Object(
  {
    format: Type.Literal('autocognitix-scan'),
    version: Type.Literal(1),
    takenAt: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$' })),
    mileageKm: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000_000 })),
    codes: Type.Array(
      Type.Object(
        { code, status: Type.Union([Type.Literal('stored'), Type.Literal('pending'), Type.Literal('permanent')]), ecu: Type.Optional(ecu) },
        { additionalProperties: false },
      ),
    ),
    freezeFrames: Type.Optional(
      Type.Array(
        Type.Object(
          {
            code: Type.Union([code, Type.Null()]),
            ecu: Type.Optional(ecu),
            values: Type.Record(name, Type.Object({ value: Type.Number(), unit }, { additionalProperties: false })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    series: Type.Optional(
      Type.Record(name, Type.Object({ unit, points: Type.Array(Type.Tuple([Type.Number({ minimum: 0 }), Type.Number()])) }, { additionalProperties: false })),
    ),
  },
  { additionalProperties: false },
);

export type JsonScan = Static<typeof jsonScanSchema>;

/** What a field should hold, by its name, for the error messages. */
const EXPECTED: Readonly<Record<string, string>> = {
  format: '"autocognitix-scan"',
  version: '1',
  takenAt: 'an ISO 8601 time with a zone, e.g. 2026-12-03T14:22:05Z',
  mileageKm: 'kilometres, a number from 0 to 10000000',
  codes: 'an array of {code, status}',
  code: 'a trouble code such as P0171',
  status: 'stored, pending or permanent',
  ecu: 'a hexadecimal ECU address such as 7E8',
  freezeFrames: 'an array of {code, values}',
  values: 'an object of {value, unit} by PID name',
  series: 'an object of {unit, points} by PID name',
  points: 'an array of [milliseconds, value] pairs',
  unit: 'a unit such as km/h (at most 32 characters)',
  value: 'a number',
};

const MAX_DEPTH = 16;
/** The characters of a string up to a quote, a backslash or a control character. */
// eslint-disable-next-line no-control-regex
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

/**
 * A JSON value, and the line a value starts on for the JSON pointers asked for
 * (asked on a second pass, only when there is an error to report: a large
 * document is not given a map of all its values).
 */
class LocatingJsonParser {
  private position = 0;
  private line = 1;
  readonly lines = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly wanted?: ReadonlySet<string>,
  ) {}

  document(): unknown {
    const value = this.value('', 0);
    this.whitespace();
    if (this.position < this.text.length) this.fail('text follows the JSON document');
    return value;
  }

  private fail(reason: string): never {
    throw new ScanParseError(this.line, reason);
  }

  private whitespace(): void {
    for (;;) {
      const character = this.text.charAt(this.position);
      if (character === '\n') this.line += 1;
      else if (character !== ' ' && character !== '\t' && character !== '\r') return;
      this.position += 1;
    }
  }

  private value(pointer: string, depth: number): unknown {
    this.whitespace();
    if (this.wanted?.has(pointer) === true) this.lines.set(pointer, this.line);
    const character = this.text.charAt(this.position);
    if (character === '{') return this.object(pointer, depth);
    if (character === '[') return this.array(pointer, depth);
    if (character === '"') return this.string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    number.lastIndex = this.position;
    const match = number.exec(this.text);
    if (match === null) this.fail(this.position >= this.text.length ? 'the JSON document ends too early' : `unexpected "${character}" where a value should be`);
    this.position += match[0].length;
    return Number(match[0]);
  }

  private enter(depth: number): void {
    if (depth >= MAX_DEPTH) this.fail(`the JSON document nests deeper than ${MAX_DEPTH} levels`);
  }

  private object(pointer: string, depth: number): Record<string, unknown> {
    this.enter(depth);
    this.position += 1;
    const result: Record<string, unknown> = {};
    this.whitespace();
    if (this.text.charAt(this.position) === '}') {
      this.position += 1;
      return result;
    }
    for (;;) {
      this.whitespace();
      if (this.text.charAt(this.position) !== '"') this.fail('expected a field name in double quotes');
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(result, key)) this.fail(`the field "${key}" appears twice`);
      this.whitespace();
      if (this.text.charAt(this.position) !== ':') this.fail(`expected ":" after "${key}"`);
      this.position += 1;
      // defineProperty: a field named __proto__ is data, never the prototype.
      const child = this.wanted === undefined ? '' : `${pointer}/${escapePointer(key)}`;
      Object.defineProperty(result, key, { value: this.value(child, depth + 1), enumerable: true, writable: true, configurable: true });
      this.whitespace();
      const next = this.text.charAt(this.position);
      this.position += 1;
      if (next === '}') return result;
      if (next !== ',') this.fail(next === '' ? 'the JSON document ends inside an object' : `expected "," or "}" but found "${next}"`);
    }
  }

  private array(pointer: string, depth: number): unknown[] {
    this.enter(depth);
    this.position += 1;
    const result: unknown[] = [];
    this.whitespace();
    if (this.text.charAt(this.position) === ']') {
      this.position += 1;
      return result;
    }
    for (;;) {
      result.push(this.value(this.wanted === undefined ? '' : `${pointer}/${result.length}`, depth + 1));
      this.whitespace();
      const next = this.text.charAt(this.position);
      this.position += 1;
      if (next === ']') return result;
      if (next !== ',') this.fail(next === '' ? 'the JSON document ends inside an array' : `expected "," or "]" but found "${next}"`);
    }
  }

  private string(): string {
    this.position += 1;
    let result = '';
    for (;;) {
      PLAIN_RUN.lastIndex = this.position;
      const run = PLAIN_RUN.exec(this.text)?.[0] ?? '';
      result += run;
      this.position += run.length;
      if (this.position >= this.text.length) this.fail('a string is not closed');
      const character = this.text.charAt(this.position);
      if (character === '"') {
        this.position += 1;
        return result;
      }
      if (character !== '\\') this.fail('a string holds a control character (a line break must be written \\n)');
      const escape = this.text.charAt(this.position + 1);
      const simple: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (escape === 'u') {
        const digits = this.text.slice(this.position + 2, this.position + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(digits)) this.fail('a \\u escape needs four hexadecimal digits');
        result += String.fromCharCode(Number.parseInt(digits, 16));
        this.position += 6;
      } else if (simple[escape] !== undefined) {
        result += simple[escape];
        this.position += 2;
      } else {
        this.fail(`"\\${escape}" is not a JSON escape`);
      }
    }
  }
}

/** `/codes/0/code` → `codes[0].code`. */
function fieldPath(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  let path = '';
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  return path === '' ? 'the document' : path;
}

function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The line the value at `pointer` (or the nearest enclosing one) starts on, by parsing the text again. */
function lineOf(text: string, pointer: string): number {
  const chain: string[] = [];
  for (let current = pointer; ; current = current.slice(0, current.lastIndexOf('/'))) {
    chain.push(current);
    if (current === '') break;
  }
  const parser = new LocatingJsonParser(text, new Set(chain));
  parser.document();
  for (const current of chain) {
    const line = parser.lines.get(current);
    if (line !== undefined) return line;
  }
  return 1;
}

const compileSchema = () => Compile(jsonScanSchema);
/** Compiled on first use: checking a large document is then a matter of milliseconds. */
let validator: ReturnType<typeof compileSchema> | undefined;

function schemaProblem(document: unknown, text: string): ScanParseError | undefined {
  validator ??= compileSchema();
  if (validator.Check(document)) return undefined;
  const [error] = validator.Errors(document);
  if (error === undefined) return undefined;
  const line = lineOf(text, error.instancePath);
  const path = fieldPath(error.instancePath);
  if (error.keyword === 'boolean' && error.schemaPath.endsWith('additionalProperties')) return new ScanParseError(line, `${path}: unknown field`);
  if (error.keyword === 'additionalProperties') return new ScanParseError(line, `${path}: unknown field "${error.params.additionalProperties.join('", "')}"`);
  if (error.keyword === 'required') return new ScanParseError(line, `${path}: the field "${error.params.requiredProperties.join('", "')}" is missing`);
  const field = error.instancePath
    .split('/')
    .reverse()
    .find((part) => !/^\d+$/.test(part));
  const expected = EXPECTED[field ?? ''];
  return new ScanParseError(line, expected === undefined ? `${path}: ${error.message}` : `${path}: expected ${expected}`);
}

/** A value in a known PID's canonical unit, converted when it has another unit the PID allows. */
function canonicalValue(key: string, given: ScanValue, line: number, where: string): ScanValue {
  const pid = PID_BY_NAME.get(key);
  if (pid === undefined) return { value: given.value, unit: given.unit };
  const convert = conversionFor(pid, given.unit);
  if (convert === undefined) throw new ScanParseError(line, `${where}: ${key} is in ${pid.unit}, not "${given.unit}"`);
  return { value: round(convert(given.value)), unit: pid.unit };
}

/** Reads a JSON scan read with {@link scanLines}; throws {@link ScanParseError}, never returns part of a scan. */
export async function parseJsonScan(input: AsyncIterable<BoundedLine>, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<Scan> {
  const parts: string[] = [];
  let bytes = 0;
  let lineNumber = 0;
  for await (const line of input) {
    lineNumber += 1;
    if (typeof line !== 'string') throw new ScanParseError(lineNumber, `the line is ${line.bytes} bytes long, more than the ${describeBytes(limits.maxLineBytes)} a line may have`);
    if (lineNumber > limits.maxLines) throw new ScanParseError(lineNumber, `the document has more than ${limits.maxLines} lines`);
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > limits.maxJsonBytes) throw new ScanParseError(lineNumber, `the JSON document is larger than ${describeBytes(limits.maxJsonBytes)}`);
    parts.push(line);
  }
  const text = parts.join('\n');
  parts.length = 0;
  const document = new LocatingJsonParser(text).document();
  const problem = schemaProblem(document, text);
  if (problem !== undefined) throw problem;
  const scan = document as JsonScan;

  if (scan.takenAt !== undefined && !Number.isFinite(Date.parse(scan.takenAt))) throw new ScanParseError(lineOf(text, '/takenAt'), `takenAt: expected ${EXPECTED.takenAt ?? ''}`);
  const codes: ScanCode[] = [];
  const seen = new Set<string>();
  for (const entry of scan.codes) {
    const normalised = normalizeDtcCode(entry.code) ?? entry.code;
    const ecuName = entry.ecu?.toUpperCase();
    const key = `${ecuName ?? ''}|${normalised}|${entry.status}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (codes.length >= limits.maxCodes) throw new ScanParseError(lineOf(text, `/codes/${codes.length}`), `more than ${limits.maxCodes} trouble codes`);
    codes.push(ecuName === undefined ? { code: normalised, status: entry.status } : { code: normalised, status: entry.status, ecu: ecuName });
  }
  const unknown = new Set<string>();
  const freezeFrames: ScanFreezeFrame[] = (scan.freezeFrames ?? []).map((frame, index) => {
    if (index >= limits.maxCodes) throw new ScanParseError(lineOf(text, `/freezeFrames/${index}`), `more than ${limits.maxCodes} freeze frames`);
    const values = Object.create(null) as Record<string, ScanValue>;
    for (const [key, given] of Object.entries(frame.values)) {
      if (!PID_BY_NAME.has(key)) unknown.add(key);
      values[key] = canonicalValue(key, given, lineOf(text, `/freezeFrames/${index}/values/${escapePointer(key)}`), `freezeFrames[${index}].values`);
    }
    const frameCode = frame.code === null ? null : (normalizeDtcCode(frame.code) ?? frame.code);
    return frame.ecu === undefined ? { code: frameCode, values: { ...values } } : { code: frameCode, ecu: frame.ecu.toUpperCase(), values: { ...values } };
  });
  const series = Object.create(null) as Record<string, ScanSeries>;
  const entries = Object.entries(scan.series ?? {});
  if (entries.length > limits.maxColumns) throw new ScanParseError(lineOf(text, '/series'), `more than ${limits.maxColumns} series`);
  for (const [key, given] of entries) {
    const pointer = `/series/${escapePointer(key)}`;
    const pid = PID_BY_NAME.get(key);
    const convert = pid === undefined ? (value: number) => value : conversionFor(pid, given.unit);
    if (convert === undefined) throw new ScanParseError(lineOf(text, pointer), `series.${key}: ${key} is in ${pid?.unit ?? ''}, not "${given.unit}"`);
    if (pid === undefined) unknown.add(key);
    const sampler = new MinMaxDownsampler(limits.maxPointsPerSeries);
    let last = 0;
    given.points.forEach(([time, value], index) => {
      if (time < last) throw new ScanParseError(lineOf(text, `${pointer}/points/${index}`), `series.${key}.points[${index}]: the time goes back (points are in time order)`);
      last = time;
      sampler.add(time, pid === undefined ? value : round(convert(value)));
    });
    series[key] = { unit: pid?.unit ?? given.unit, points: sampler.points() };
  }
  return {
    ...(scan.takenAt === undefined ? {} : { takenAt: new Date(scan.takenAt).toISOString() }),
    ...(scan.mileageKm === undefined ? {} : { mileageKm: scan.mileageKm }),
    codes,
    freezeFrames,
    series: { ...series },
    unknownColumns: [...unknown],
  };
}
