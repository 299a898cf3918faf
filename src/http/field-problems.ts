import type { FastifyError } from 'fastify';
import type { VinProblem } from '../diagnostics/vin.js';
import type { FieldProblem, FieldProblemKind } from '../errors.js';

/**
 * Ajv reports every offending item (allErrors): 20 000 bad array items in a
 * 64 KiB body would make a megabyte of details. A client fixes the first few.
 */
const MAX_FIELD_PROBLEMS = 20;

interface AjvParams {
  readonly missingProperty?: unknown;
  readonly additionalProperty?: unknown;
  readonly limit?: unknown;
  readonly type?: unknown;
  readonly format?: unknown;
}

/** The kind of an Ajv refusal, by its keyword (and for `type` and `format`, what was expected). */
function kindOf(keyword: string, params: AjvParams): FieldProblemKind {
  switch (keyword) {
    case 'required':
      return 'required';
    case 'additionalProperties':
      return 'unknown_field';
    case 'minLength':
      return 'too_short';
    case 'maxLength':
      return 'too_long';
    case 'minItems':
      return 'too_few';
    case 'maxItems':
      return 'too_many';
    case 'minimum':
    case 'exclusiveMinimum':
      return 'too_small';
    case 'maximum':
    case 'exclusiveMaximum':
      return 'too_large';
    case 'type':
      return params.type === 'integer' || params.type === 'number' ? 'not_a_number' : 'wrong_type';
    case 'format':
      return params.format === 'email' ? 'email_format' : 'format';
    case 'pattern':
      return 'pattern';
    case 'enum':
    case 'const':
      return 'not_allowed';
    default:
      return 'invalid';
  }
}

/** The first {@link MAX_FIELD_PROBLEMS} schema refusals of a request, each naming the offending property itself. */
export function schemaFieldProblems(error: FastifyError): FieldProblem[] {
  return (error.validation ?? []).slice(0, MAX_FIELD_PROBLEMS).map((problem) => {
    const params = problem.params as AjvParams;
    const missing = params.missingProperty ?? params.additionalProperty;
    const path = problem.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const field = typeof missing === 'string' ? (path === '' ? missing : `${path}.${missing}`) : path;
    return {
      field: field === '' ? (error.validationContext ?? 'body') : field,
      message: problem.message ?? 'is invalid',
      problem: kindOf(problem.keyword, params),
      ...(typeof params.limit === 'number' ? { params: { limit: params.limit } } : {}),
    };
  });
}

/** A VIN the decoder refused, as a field problem of `field`. */
export function vinFieldProblem(field: string, problem: VinProblem): FieldProblem {
  const { message } = problem;
  switch (problem.kind) {
    case 'length':
      return { field, message, problem: 'vin_length', params: { count: problem.count } };
    case 'forbidden_letter':
      return { field, message, problem: 'vin_forbidden_letter', params: { position: problem.position, character: problem.character } };
    case 'invalid_character':
      return { field, message, problem: 'vin_invalid_character', params: { position: problem.position } };
    case 'check_digit':
      return { field, message, problem: 'vin_check_digit', params: { found: problem.found, expected: problem.expected } };
  }
}
