import { Readable } from 'node:stream';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Database } from '../db/index.js';
import { ScansRepository, toCanonicalScan, type StoredScan } from '../db/repositories/scans.js';
import { quickAnalyze } from '../diagnostics/quick-analysis.js';
import { HttpError, type FieldProblem } from '../errors.js';
import { MAX_ODOMETER_KM } from '../garage/reminders.js';
import { MAX_SCANS_PER_VEHICLE, prepareScan, ScanTooLargeError, SCAN_FORMATS, type PreparedScan, type ScanImportResult } from '../garage/scan-import.js';
import { analyzeScanFreezeFrames } from '../garage/scans/analysis.js';
import { scanCsvLines } from '../garage/scans/csv-export.js';
import { ScanParseError, type ScanFormat } from '../garage/scans/types.js';
import { ipRateLimit, type IpRateLimitPolicy } from '../security/ip-rate-limit.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { ErrorSchema, NO_CONTENT, Nullable, PageQuery, type SchemaTypedApp } from './schemas.js';

/**
 * An upload is expensive (up to SCAN_UPLOAD_MAX_BYTES parsed, a row of up to
 * a few MiB written): a tighter budget than the other garage writes, per
 * account and per client address.
 */
export const SCAN_UPLOAD_RATE_LIMITS = Object.freeze({
  account: Object.freeze({ maxRequests: 30, windowMs: 3_600_000 }),
  address: Object.freeze({ maxRequests: 120, windowMs: 3_600_000 }),
} satisfies Record<string, IpRateLimitPolicy>);

type BusboyFileStream = MultipartFile['file'];

/** The multipart form: the file and at most the two text fields, each short. */
const MULTIPART_LIMITS = { files: 1, fields: 3, parts: 4, fieldNameSize: 32, fieldSize: 64, headerPairs: 20 } as const;

/** `[milliseconds since the first sample, value]` pairs (typed as the parser's read-only tuples). */
const Points = Type.Unsafe<readonly (readonly [number, number])[]>(Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 2 })));
const Value = Type.Object({ value: Type.Number(), unit: Type.String() });
const CodeCounts = Type.Object({ stored: Type.Integer(), pending: Type.Integer(), permanent: Type.Integer() });
const FormatSchema = Type.Union([Type.Literal('torque-csv'), Type.Literal('elm327'), Type.Literal('json')]);
const summaryFields = {
  id: Type.String(),
  vehicle_id: Type.String(),
  format: FormatSchema,
  file_name: Type.String(),
  taken_at: Nullable(Type.String({ format: 'date-time' })),
  uploaded_at: Type.String({ format: 'date-time' }),
  mileage_km: Nullable(Type.Integer()),
  code_counts: CodeCounts,
  series_names: Type.Array(Type.String()),
};
const ScanSummarySchema = Type.Object(summaryFields);
const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const ScanDetailSchema = Type.Object({
  ...summaryFields,
  codes: Type.Array(Type.Object({ code: Type.String(), status: Type.Union([Type.Literal('stored'), Type.Literal('pending'), Type.Literal('permanent')]), ecu: Nullable(Type.String()) })),
  freeze_frames: Type.Array(Type.Object({ code: Nullable(Type.String()), ecu: Nullable(Type.String()), values: Type.Record(Type.String(), Value) })),
  series: Type.Record(Type.String(), Type.Object({ unit: Type.String(), points: Points })),
  unknown_columns: Type.Array(Type.String()),
  odometer: Nullable(Type.Object({ km: Type.Integer(), recorded: Type.Boolean(), reason: Nullable(Type.Literal('lower_than_latest')) })),
  analysis: Type.Object({
    codes: Type.Array(
      Type.Object({
        code: Type.String(),
        known: Type.Boolean(),
        description: Nullable(Type.String()),
        description_hu: Nullable(Type.String()),
        severity: Nullable(Severity),
        system: Type.String(),
      }),
    ),
    highest_severity: Nullable(Severity),
    findings: Type.Array(
      Type.Object({
        rule: Type.String(),
        code: Nullable(Type.String()),
        severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
        evidence: Type.Record(Type.String(), Value),
      }),
    ),
  }),
});

const VehicleParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ScanParams = Type.Object({ id: Type.String({ maxLength: 64 }), scanId: Type.String({ maxLength: 64 }) });

export interface GarageScanRouteOptions {
  readonly database: Database;
  readonly store: KeyValueStore;
  /** SCAN_UPLOAD_MAX_BYTES: the largest file an upload may carry. */
  readonly maxUploadBytes: number;
}

/** The export's lines, CRLF-terminated, in chunks of about 64 KiB (not a write a line). */
function* csvChunks(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += `${line}\r\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** `scan-2026-12-03-1a2b3c4d.csv`: the day it was taken (else uploaded) and the start of its id. */
export function scanExportFileName(scan: { id: string; taken_at: string | null; uploaded_at: string }): string {
  const day = (scan.taken_at ?? scan.uploaded_at).slice(0, 10);
  return `scan-${day}-${scan.id.replace(/[^0-9a-zA-Z]/g, '').slice(0, 8)}.csv`;
}

const fieldProblem = (field: string, message: string, problem: FieldProblem['problem']): HttpError =>
  new HttpError('validation_failed', { details: [{ field, message, problem }] });

function tooLarge(maxBytes: number): HttpError {
  return new HttpError('payload_too_large', { message: `The scan file is larger than the ${maxBytes} bytes an upload may carry; nothing was stored` });
}

/** The file's chunks; past the size limit (busboy truncates the file) the upload is refused, whatever was parsed. */
async function* sizeChecked(file: BusboyFileStream, maxBytes: number): AsyncGenerator<Buffer> {
  for await (const chunk of file as AsyncIterable<Buffer>) {
    if (file.truncated) throw tooLarge(maxBytes);
    yield chunk;
  }
  if (file.truncated) throw tooLarge(maxBytes);
}

function formatField(value: string): ScanFormat {
  const format = SCAN_FORMATS.find((candidate) => candidate === value.trim());
  if (format === undefined) throw fieldProblem('format', `must be one of ${SCAN_FORMATS.join(', ')}`, 'not_allowed');
  return format;
}

function mileageField(value: string): number {
  const text = value.trim();
  if (!/^\d{1,7}$/.test(text)) throw fieldProblem('mileage_km', 'must be a whole number of kilometres', 'not_a_number');
  const km = Number(text);
  if (km > MAX_ODOMETER_KM) throw fieldProblem('mileage_km', `must be at most ${MAX_ODOMETER_KM}`, 'too_large');
  return km;
}

function booleanField(name: string, value: string): boolean {
  const text = value.trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw fieldProblem(name, 'must be true or false', 'not_allowed');
}

/** What a multipart parser limit means to the client. */
function multipartLimitError(error: unknown): HttpError | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_FILES_LIMIT') return fieldProblem('file', 'one file per upload', 'too_many');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') return fieldProblem('form', 'the form takes only file, format, mileage_km and correct_odometer', 'too_many');
  if (code === 'FST_PROTO_VIOLATION') return fieldProblem('file', 'a form field has a reserved name', 'not_allowed');
  return undefined;
}

/**
 * `/api/v1/garage/vehicles/{id}/scans…`: scans uploaded from OBD apps and
 * adapters (issue 20). Same rules as the other garage routes: signed in, CSRF
 * on writes (globally), a verified address to upload (the guard covers every
 * POST under the prefix), another user's ids answer 404. Multipart is
 * accepted by this plugin's routes only: @fastify/multipart is registered
 * inside it, so no other route starts taking multipart bodies.
 */
export async function garageScanRoutes(app: SchemaTypedApp, options: GarageScanRouteOptions): Promise<void> {
  await app.register(fastifyMultipart, { throwFileSizeLimit: false, limits: { ...MULTIPART_LIMITS, fileSize: options.maxUploadBytes } });
  const scans = new ScansRepository(options.database.db);
  app.addHook('preHandler', app.requireAuth);
  const owner = (request: FastifyRequest): string => {
    if (request.auth === null) throw new HttpError('authentication_required');
    return request.auth.userId;
  };
  const vehicleNotFound = (): HttpError => new HttpError('not_found', { message: 'No such vehicle in your garage' });
  const scanNotFound = (): HttpError => new HttpError('not_found', { message: 'No such scan' });
  const uploadLimit = [
    ipRateLimit({ store: options.store, group: 'garage_scan_uploads', per: 'account', ...SCAN_UPLOAD_RATE_LIMITS.account }),
    ipRateLimit({ store: options.store, group: 'garage_scan_uploads', per: 'address', ...SCAN_UPLOAD_RATE_LIMITS.address }),
  ];
  const tags = ['garage'];
  const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }];

  /** The detail: the stored scan with the quick analysis of its codes and the freeze-frame findings. */
  const withAnalysis = async (scan: StoredScan) => {
    const quick = await quickAnalyze(options.database.db, [...new Set(scan.codes.map((code) => code.code))], undefined);
    return {
      ...scan,
      analysis: {
        codes: quick.codes.map((entry) => ({
          code: entry.code,
          known: entry.known,
          description: entry.details?.description_en ?? null,
          description_hu: entry.details?.description_hu ?? null,
          severity: entry.details?.severity ?? null,
          system: entry.decoded.system,
        })),
        highest_severity: quick.highest_severity,
        findings: analyzeScanFreezeFrames(toCanonicalScan(scan)).map((finding) => ({ rule: finding.rule, code: finding.code, severity: finding.severity, evidence: { ...finding.evidence } })),
      },
    };
  };

  /**
   * Reads the form (text fields first, then the one file, streamed through the
   * parser; nothing is buffered whole) to its end, then stores the scan: a
   * form that goes wrong after the file stores nothing.
   */
  const upload = async (request: FastifyRequest, userId: string, vehicleId: string): Promise<ScanImportResult> => {
    if (!request.isMultipart()) throw new HttpError('unsupported_media_type', { message: 'Send the scan as multipart/form-data, the file in the field "file"' });
    let format: ScanFormat | undefined;
    let mileageKm: number | undefined;
    let correctOdometer = false;
    let result: PreparedScan | undefined;
    let file: BusboyFileStream | undefined;
    try {
      for await (const part of request.parts({ limits: { ...MULTIPART_LIMITS, fileSize: options.maxUploadBytes } })) {
        if (part.type === 'field') {
          if (result !== undefined) throw fieldProblem(part.fieldname, 'text fields come before the file', 'not_allowed');
          const value = typeof part.value === 'string' ? part.value : '';
          if (part.valueTruncated) throw fieldProblem(part.fieldname, 'is too long', 'too_long');
          if (part.fieldname === 'format') format = formatField(value);
          else if (part.fieldname === 'mileage_km') mileageKm = mileageField(value);
          else if (part.fieldname === 'correct_odometer') correctOdometer = booleanField(part.fieldname, value);
          else throw fieldProblem(part.fieldname, 'the form takes only file, format, mileage_km and correct_odometer', 'unknown_field');
          continue;
        }
        file = part.file;
        if (part.fieldname !== 'file') throw fieldProblem(part.fieldname, 'the scan goes in the field "file"', 'unknown_field');
        result = await prepareScan(scans, {
          userId,
          vehicleId,
          fileName: part.filename,
          format,
          mileageKm,
          correctOdometer,
          chunks: sizeChecked(part.file, options.maxUploadBytes),
          now: () => new Date(app.clock.now()).toISOString(),
        });
        // Not stored (another user's vehicle, the vehicle is full): the rest of the file is not read.
        if (result.kind !== 'parsed') break;
      }
    } catch (error) {
      if (error instanceof ScanParseError) {
        throw new HttpError('scan_invalid', { message: `The scan file could not be read: line ${error.line}: ${error.reason}`, extras: { line: error.line, reason: error.reason } });
      }
      if (error instanceof ScanTooLargeError) throw new HttpError('payload_too_large', { message: `${error.message}; nothing was stored` });
      throw multipartLimitError(error) ?? error;
    } finally {
      // Refused before the end of the body: busboy stops, and the rest of the body is read and dropped
      // (Node does not drain a request someone was reading), so the answer arrives and the connection
      // serves the next request; REQUEST_TIMEOUT_MS still bounds a body that never ends.
      if (file !== undefined && !file.readableEnded) file.destroy();
      if (!request.raw.readableEnded) {
        request.raw.unpipe();
        request.raw.resume();
      }
    }
    if (result === undefined) throw fieldProblem('file', 'a scan file is required (the field "file")', 'required');
    return result.kind === 'parsed' ? result.store() : result;
  };

  app.post(
    '/vehicles/:id/scans',
    {
      preHandler: uploadLimit,
      schema: {
        tags,
        security,
        summary: 'Upload a scan (multipart/form-data: file, and optionally format and mileage_km before it): a Torque/Car Scanner CSV log, an ELM327 transcript or our JSON',
        params: VehicleParams,
        response: { 201: ScanDetailSchema, 404: ErrorSchema, 409: ErrorSchema, 413: ErrorSchema, 415: ErrorSchema, 422: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const result = await upload(request, owner(request), request.params.id);
      if (result.kind === 'not_found') throw vehicleNotFound();
      if (result.kind === 'limit') throw new HttpError('scan_limit_reached', { message: `A vehicle may have at most ${MAX_SCANS_PER_VEHICLE} scans; remove one first` });
      return reply.code(201).send(await withAnalysis(result.scan));
    },
  );

  app.get(
    '/vehicles/:id/scans',
    {
      schema: {
        tags,
        security,
        summary: 'Scans of a vehicle, newest upload first',
        params: VehicleParams,
        querystring: PageQuery,
        response: { 200: Type.Object({ items: Type.Array(ScanSummarySchema), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() }), 404: ErrorSchema },
      },
    },
    async (request) => {
      const { limit = 20, offset = 0 } = request.query;
      const page = await scans.list(owner(request), request.params.id, { limit, offset });
      if (page === undefined) throw vehicleNotFound();
      return { ...page, limit, offset };
    },
  );

  app.get(
    '/vehicles/:id/scans/:scanId',
    { schema: { tags, security, summary: 'A scan with its codes, freeze frames, series and analysis', params: ScanParams, response: { 200: ScanDetailSchema, 404: ErrorSchema } } },
    async (request) => {
      const scan = await scans.find(owner(request), request.params.id, request.params.scanId);
      if (scan === undefined) throw scanNotFound();
      return withAnalysis(scan);
    },
  );

  app.get(
    '/vehicles/:id/scans/:scanId/export.csv',
    {
      schema: {
        tags,
        security,
        summary: 'A scan as CSV (text/csv, an attachment): a row a code, a freeze-frame value and a logged sample',
        params: ScanParams,
        response: { 200: Type.Unsafe<Readable>(Type.String({ description: 'text/csv; charset=utf-8: kind,time_ms,name,value,unit,code,status,ecu' })), 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const scan = await scans.find(owner(request), request.params.id, request.params.scanId);
      if (scan === undefined) throw scanNotFound();
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${scanExportFileName(scan)}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(csvChunks(scanCsvLines(toCanonicalScan(scan)))));
    },
  );

  app.delete(
    '/vehicles/:id/scans/:scanId',
    { schema: { tags, security, summary: 'Remove a scan (an odometer reading it made stays)', params: ScanParams, response: { ...NO_CONTENT, 404: ErrorSchema } } },
    async (request, reply) => {
      if (!(await scans.remove(owner(request), request.params.id, request.params.scanId))) throw scanNotFound();
      return reply.code(204).send(undefined);
    },
  );
}
