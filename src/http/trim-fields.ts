import type { FastifyRequest, preValidationAsyncHookHandler } from 'fastify';

type Part = 'body' | 'query' | 'params';

function trimIn(container: unknown, fields: readonly string[]): void {
  if (typeof container !== 'object' || container === null || Array.isArray(container)) return;
  const record = container as Record<string, unknown>;
  for (const field of fields) {
    const value = record[field];
    if (typeof value === 'string') record[field] = value.trim();
  }
}

/**
 * A preValidation hook that trims the named string fields before the schema
 * sees them, so `minLength: 1` means "at least one visible character": a
 * whitespace-only make or model is a 422, never an empty string stored.
 */
export function trimFields(fields: Partial<Record<Part, readonly string[]>>): preValidationAsyncHookHandler {
  return async (request: FastifyRequest) => {
    for (const part of ['body', 'query', 'params'] as const) {
      const names = fields[part];
      if (names !== undefined) trimIn(request[part], names);
    }
  };
}
