/**
 * A small RFC 5545 (iCalendar) writer for the garage feed: one VCALENDAR of
 * all-day VEVENTs. Written here, not taken from a library: text values are
 * escaped (backslash, semicolon, comma, newline), every content line is
 * folded at 75 octets without splitting a UTF-8 character, and lines end in
 * CRLF.
 */

import { createHash } from 'node:crypto';

export interface CalendarEvent {
  /** Stable across fetches for the same thing (calendar apps update an event by its UID). */
  readonly uid: string;
  /** The all-day event's day, `YYYY-MM-DD`. */
  readonly date: string;
  readonly summary: string;
  readonly description?: string;
  /** When this event's content last changed (DTSTAMP), an instant. */
  readonly stamp: Date;
  readonly url?: string;
}

export interface Calendar {
  readonly name: string;
  readonly language: string;
  readonly events: readonly CalendarEvent[];
}

const MAX_LINE_OCTETS = 75;

/** A TEXT value (RFC 5545 3.3.11): `\` `;` `,` escaped, newlines as `\n`, other control characters dropped. */
export function escapeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\\;,]/g, (character) => `\\${character}`)
    .replace(/\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''); // eslint-disable-line no-control-regex
}

/**
 * Folds one content line (RFC 5545 3.1): at most 75 octets a line, each
 * continuation starting with a space (which counts toward its 75), never
 * inside a UTF-8 sequence (nor a surrogate pair). Returns the line with CRLF.
 */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let currentOctets = 0;
  for (const character of line) {
    const octets = Buffer.byteLength(character, 'utf8');
    const limit = parts.length === 0 ? MAX_LINE_OCTETS : MAX_LINE_OCTETS - 1;
    if (currentOctets + octets > limit) {
      parts.push(current);
      current = '';
      currentOctets = 0;
    }
    current += character;
    currentOctets += octets;
  }
  parts.push(current);
  return `${parts.join('\r\n ')}\r\n`;
}

/** `YYYY-MM-DD` as a DATE value, `YYYYMMDD`. */
const dateValue = (date: string): string => date.replace(/-/g, '');

/** An instant as a UTC DATE-TIME value, `YYYYMMDDTHHMMSSZ`. */
export function dateTimeValue(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The day after `date` (an all-day event's exclusive DTEND). */
function nextDay(date: string): string {
  const day = new Date(`${date}T00:00:00.000Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** A UID that stays the same for the same reminder and due, and changes when the due moves. */
export function reminderEventUid(reminderId: string, dueDate: string, domain: string): string {
  const digest = createHash('sha256').update(`${reminderId}|${dueDate}`).digest('hex').slice(0, 32);
  return `${digest}@${domain}`;
}

/** The whole calendar as text: CRLF lines, folded, escaped. */
export function renderCalendar(calendar: Calendar): string {
  const lines: string[] = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:-//AutoCognitix//Garage reminders//${calendar.language.toUpperCase()}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(calendar.name)}`,
  ];
  for (const event of calendar.events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${event.uid}`,
      `DTSTAMP:${dateTimeValue(event.stamp)}`,
      `DTSTART;VALUE=DATE:${dateValue(event.date)}`,
      `DTEND;VALUE=DATE:${dateValue(nextDay(event.date))}`,
      `SUMMARY:${escapeText(event.summary)}`,
      ...(event.description === undefined ? [] : [`DESCRIPTION:${escapeText(event.description)}`]),
      ...(event.url === undefined ? [] : [`URL:${event.url}`]),
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('');
}
