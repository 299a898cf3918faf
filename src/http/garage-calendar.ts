import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Database } from '../db/index.js';
import { CalendarFeedsRepository } from '../db/repositories/calendar-feeds.js';
import { RemindersRepository } from '../db/repositories/reminders.js';
import { HttpError } from '../errors.js';
import { reminderCalendar } from '../garage/reminder-calendar.js';
import { ipRateLimit, type IpRateLimitPolicy } from '../security/ip-rate-limit.js';
import { storedDigest } from '../security/store-keys.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { ErrorSchema, NO_CONTENT, type SchemaTypedApp } from './schemas.js';

/**
 * Making or rotating the feed URL writes a row and hands out a new secret:
 * a small per-account budget and a per-address one. Reading the feed is
 * per address only (no account is signed in), generous because calendar
 * services (Google, Apple) fetch many users' feeds from a few addresses.
 */
export const CALENDAR_FEED_RATE_LIMITS = Object.freeze({
  rotateAccount: Object.freeze({ maxRequests: 10, windowMs: 3_600_000 }),
  rotateAddress: Object.freeze({ maxRequests: 60, windowMs: 3_600_000 }),
  fetchAddress: Object.freeze({ maxRequests: 600, windowMs: 600_000 }),
} satisfies Record<string, IpRateLimitPolicy>);

/** 256 random bits, base64url: the feed URL's secret. */
const TOKEN_BYTES = 32;
/** base64url of 32 bytes, no padding. */
const TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

const FeedUrlResponse = Type.Object({ url: Type.String({ description: 'the secret feed URL; shown this once (only its hash is stored)' }), created_at: Type.String({ format: 'date-time' }) });
const FeedStateResponse = Type.Object({ enabled: Type.Boolean(), created_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) });

export interface CalendarRouteOptions {
  readonly database: Database;
  readonly store: KeyValueStore;
  readonly publicUrl: string;
}

/** The feed URL for a token. */
export const calendarFeedUrl = (publicUrl: string, token: string): string => `${publicUrl}/api/v1/calendar/${token}.ics`;

/**
 * `/api/v1/garage/calendar-feed`: a signed-in user makes (or rotates), reads
 * the state of, and disables their iCalendar feed. The URL's token is 256
 * random bits; only its SHA-256 is stored, so the URL is shown once.
 */
export async function garageCalendarRoutes(app: SchemaTypedApp, options: CalendarRouteOptions): Promise<void> {
  const feeds = new CalendarFeedsRepository(options.database.db);
  app.addHook('preHandler', app.requireAuth);
  const owner = (request: FastifyRequest): string => {
    if (request.auth === null) throw new HttpError('authentication_required');
    return request.auth.userId;
  };
  const rotateLimit = [
    ipRateLimit({ store: options.store, group: 'calendar_feed', per: 'account', ...CALENDAR_FEED_RATE_LIMITS.rotateAccount }),
    ipRateLimit({ store: options.store, group: 'calendar_feed', per: 'address', ...CALENDAR_FEED_RATE_LIMITS.rotateAddress }),
  ];
  const tags = ['garage'];
  const security: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }];

  app.get(
    '/calendar-feed',
    { schema: { tags, security, summary: 'Whether my iCalendar feed is on, and since when (never its URL)', response: { 200: FeedStateResponse } } },
    async (request) => {
      const feed = await feeds.find(owner(request));
      return { enabled: feed !== undefined, created_at: feed?.created_at ?? null };
    },
  );

  app.post(
    '/calendar-feed',
    {
      preHandler: rotateLimit,
      schema: {
        tags,
        security,
        summary: 'Make my iCalendar feed, or rotate it: a new secret URL, shown once; the old URL stops working',
        response: { 201: FeedUrlResponse, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const createdAt = new Date(app.clock.now()).toISOString();
      await feeds.replace(owner(request), storedDigest(token), createdAt);
      return reply.code(201).send({ url: calendarFeedUrl(options.publicUrl, token), created_at: createdAt });
    },
  );

  app.delete(
    '/calendar-feed',
    { schema: { tags, security, summary: 'Turn my iCalendar feed off: its URL stops working', response: { ...NO_CONTENT, 404: ErrorSchema } } },
    async (request, reply) => {
      if (!(await feeds.remove(owner(request)))) throw new HttpError('not_found', { message: 'The calendar feed is not on' });
      return reply.code(204).send(undefined);
    },
  );
}

/**
 * `GET /api/v1/calendar/<token>.ics`: the feed itself, for calendar apps. No
 * cookie or bearer token counts here: the URL's secret is the only
 * credential (a GET, so no CSRF check either). An unknown token is looked up
 * like a real one (by its hash, one indexed query) and answers 404.
 */
export async function publicCalendarRoutes(app: SchemaTypedApp, options: CalendarRouteOptions): Promise<void> {
  const feeds = new CalendarFeedsRepository(options.database.db);
  const reminders = new RemindersRepository(options.database.db);
  const fetchLimit = ipRateLimit({ store: options.store, group: 'calendar_fetch', per: 'address', ...CALENDAR_FEED_RATE_LIMITS.fetchAddress });
  const unknown = (): HttpError => new HttpError('not_found', { message: 'No such calendar feed' });

  app.get(
    '/:token.ics',
    {
      preHandler: fetchLimit,
      schema: {
        tags: ['garage'],
        summary: 'A user\'s iCalendar feed of garage reminders (text/calendar); the URL is the secret',
        params: Type.Object({ token: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.String({ description: 'an RFC 5545 VCALENDAR' }), 404: ErrorSchema, 429: ErrorSchema },
      },
    },
    async (request, reply) => {
      const token = request.params.token;
      // The hash is computed and looked up whatever the token looks like: a malformed one costs the same.
      const owner = await feeds.ownerOf(storedDigest(token));
      if (owner === undefined || !new RegExp(TOKEN_PATTERN).test(token)) throw unknown();
      const items = await reminders.remindersWithMileage(owner.userId);
      const body = reminderCalendar(items, owner.language, options.publicUrl);
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', 'inline; filename="autocognitix.ics"')
        .send(body);
    },
  );
}
