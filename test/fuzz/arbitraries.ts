import fc from 'fast-check';

/**
 * Generators for the HTTP fuzz suite: values shaped by a route's own JSON
 * Schema (from the OpenAPI document, so new routes are covered without
 * edits), mixed with hostile and random ones at every level.
 */

/** The subset of JSON Schema the route schemas use. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly nullable?: boolean;
}

/**
 * Strings that break naive code: traversal, injection, template and
 * prototype keys, odd Unicode, numbers that are not. None contains an
 * internal-path marker the response checks look for.
 */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'misfire\u0000',
  'a\u0000b',
  '\t\r\n',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  "1' UNION SELECT sqlite_version(),2,3 --",
  '%',
  '_',
  '\\',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '\uD800',
  '\uFEFF',
  '\u202E',
  'Ω≈ç√∫˜µ≤≥÷',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'légzsák',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '-9007199254740993',
  '0x1F',
  'null',
  'true',
  '[]',
  '{}',
  'P0301',
  'p0301',
  'X'.repeat(65),
  'A'.repeat(4097),
  '1HGCM82633A004352',
];

/** Path segments sent as they are (not encoded): bad escapes, dot segments, encoded separators. */
export const RAW_PATH_SEGMENTS: readonly string[] = ['%zz', '%', '..', '.', '%2e%2e', '%2F', '%00', '%C0%AE', ';', 'a;b=c', '~', '%FF', '%E2%80%AE', '%252e', 'a'.repeat(101)];

export const hostileString: fc.Arbitrary<string> = fc.constantFrom(...HOSTILE_STRINGS);

/** JSON.stringify, typed as it behaves: `undefined` has no JSON text. */
const jsonText = (value: unknown): string | undefined => JSON.stringify(value);

/** A value as text: strings as they are, anything else as JSON (`undefined`: empty). */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : (jsonText(value) ?? '');
}

export const anyString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  { arbitrary: hostileString, weight: 3 },
);

/** Printable ASCII: what a header value may carry (others are refused by Node before the app). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
  fc.constantFrom('', ' ', 'null', 'undefined', '%00', '../..', "' OR 1=1 --", 'a'.repeat(2000)),
);

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
  { arbitrary: hostileString, weight: 2 },
  { arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, [], {}, [[[]]], { __proto__: null }), weight: 1 },
);

function typesOf(schema: JsonSchema): readonly string[] {
  if (schema.type === undefined) return [];
  return typeof schema.type === 'string' ? [schema.type] : schema.type;
}

/** A value that mostly fits the schema, with hostile or random values mixed in at every level. */
export function schemaValue(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 4) return anyJson;
  const fitting = fittingValue(schema, depth);
  const value = fc.oneof({ arbitrary: fitting, weight: 5 }, { arbitrary: anyJson, weight: 1 });
  return schema.nullable === true ? fc.oneof(fc.constant(null), value) : value;
}

function fittingValue(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) return fc.oneof(...alternatives.map((alternative) => schemaValue(alternative, depth + 1)));
  const types = typesOf(schema);
  if (types.length > 1) return fc.oneof(...types.map((type) => fittingValue({ ...schema, type }, depth)));
  switch (types[0]) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return integerFor(schema);
    case 'number':
      return fc.oneof(integerFor(schema), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schemaValue(schema.items, depth + 1), { maxLength: Math.min((schema.maxItems ?? 5) + 1, 25) });
    case 'object':
      return objectFor(schema, depth);
    default:
      return anyJson;
  }
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const maxLength = schema.maxLength ?? 64;
  const edges = [fc.constant('x'.repeat(maxLength)), fc.constant('x'.repeat(maxLength + 1))];
  if (schema.minLength !== undefined && schema.minLength > 0) edges.push(fc.constant('x'.repeat(schema.minLength - 1)));
  let fitting: fc.Arbitrary<string> = fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(maxLength, 80) });
  if (schema.format === 'email') fitting = fc.emailAddress();
  else if (schema.format === 'date-time') fitting = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((date) => date.toISOString());
  else if (schema.pattern !== undefined) fitting = fc.stringMatching(new RegExp(schema.pattern));
  return fc.oneof({ arbitrary: fitting, weight: 6 }, { arbitrary: fc.oneof(...edges), weight: 1 }, { arbitrary: hostileString, weight: 2 });
}

function integerFor(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000;
  const max = schema.maximum ?? 1_000_000;
  return fc.oneof({ arbitrary: fc.integer({ min, max }), weight: 5 }, { arbitrary: fc.constantFrom(min - 1, max + 1, min, max, 0, -1, 2 ** 31, 2 ** 53), weight: 1 });
}

function objectFor(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, propertySchema] of Object.entries(properties)) model[name] = schemaValue(propertySchema, depth + 1);
  const required = (schema.required ?? []).filter((name) => name in model);
  const known = fc.record(model, { requiredKeys: required });
  const extra = fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), hostileString), anyJson, { maxKeys: 3 });
  return fc.oneof(
    { arbitrary: known, weight: 6 },
    // Required properties missing.
    { arbitrary: fc.record(model, { requiredKeys: [] }), weight: 1 },
    { arbitrary: fc.tuple(known, extra).map(([fields, more]) => ({ ...more, ...(fields as object) })), weight: 1 },
  );
}

/** A request body on the wire: bytes and the content type claimed for them. */
export interface WireBody {
  readonly contentType: string | undefined;
  readonly payload: string | undefined;
}

const JSON_TYPE = 'application/json';

/** Prototype-pollution attempts, as JSON text (an object literal would lose the `__proto__` key). */
const PROTOTYPE_POLLUTION_TEXTS: readonly string[] = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":{"__proto__":{"polluted":"yes"}},"codes":["P0301"]}',
  '[{"__proto__":{"polluted":"yes"}}]',
];

/** Bodies for `schema`: fitting JSON, random JSON, nesting, pollution, wrong encodings, nothing. */
export function wireBody(schema: JsonSchema | undefined): fc.Arbitrary<WireBody> {
  const json = (value: unknown): WireBody => ({ contentType: JSON_TYPE, payload: jsonText(value) ?? 'null' });
  return fc.oneof(
    { arbitrary: schemaValue(schema).map(json), weight: 8 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map(json), weight: 1 },
    { arbitrary: fc.constantFrom(...PROTOTYPE_POLLUTION_TEXTS).map((payload) => ({ contentType: JSON_TYPE, payload })), weight: 1 },
    { arbitrary: fc.integer({ min: 50, max: 20_000 }).map((depth) => ({ contentType: JSON_TYPE, payload: `${'['.repeat(depth)}${']'.repeat(depth)}` })), weight: 1 },
    { arbitrary: fc.integer({ min: 50, max: 10_000 }).map((depth) => ({ contentType: JSON_TYPE, payload: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` })), weight: 1 },
    {
      arbitrary: fc.record({
        contentType: fc.constantFrom(
          JSON_TYPE,
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
          'application/octet-stream',
          '*/*',
          'garbage',
          'application/json, text/plain',
        ),
        payload: fc.oneof(anyString, fc.constantFrom('{"a":', '{', ']', '\u0000', 'a=1&b=2', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', '<a>1</a>')),
      }),
      weight: 2,
    },
    { arbitrary: schemaValue(schema).map((value) => ({ contentType: 'application/x-www-form-urlencoded', payload: formEncoded(value) })), weight: 1 },
    { arbitrary: fc.constantFrom<WireBody>({ contentType: undefined, payload: undefined }, { contentType: JSON_TYPE, payload: '' }, { contentType: JSON_TYPE, payload: undefined }), weight: 1 },
  );
}

function formEncoded(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return String(value);
  const form = new URLSearchParams();
  for (const [key, field] of Object.entries(value)) form.append(key, asText(field));
  return form.toString();
}
