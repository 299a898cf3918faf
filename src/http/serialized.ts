import type { FastifyReply } from 'fastify';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** `body` as the route's response schema for `status` serializes it: exactly what Fastify would send. */
export function serializedBy(reply: FastifyReply, status: string, body: Record<string, unknown>): string {
  const serialize = reply.getSerializationFunction(status);
  if (serialize === undefined) throw new Error(`the route has no response schema for ${status}`);
  return serialize(body);
}

/** Sends JSON serialized before (Fastify sends a string with a JSON content type as it is, with no second pass). */
export function sendSerialized(reply: FastifyReply, json: string): FastifyReply {
  return reply.type(JSON_CONTENT_TYPE).send(json);
}
