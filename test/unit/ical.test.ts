import { describe, expect, it } from 'vitest';
import { dateTimeValue, escapeText, foldLine, reminderEventUid, renderCalendar } from '../../src/garage/ical.js';

/** Content lines of a rendered text, unfolded (RFC 5545 3.1: CRLF followed by one space is removed). */
const unfold = (text: string): string[] => text.replace(/\r\n /g, '').split('\r\n').filter((line) => line !== '');

describe('iCalendar writer (RFC 5545)', () => {
  it('escapes backslash, semicolon, comma and newlines in TEXT values', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
    expect(escapeText('no\u0007bell')).toBe('nobell');
  });

  it('leaves a short line as it is, with CRLF', () => {
    expect(foldLine('SUMMARY:Olajcsere')).toBe('SUMMARY:Olajcsere\r\n');
  });

  it('folds at 75 octets, never inside a multi-byte character (Hungarian text)', () => {
    const line = `SUMMARY:${'Műszaki vizsga – fékfolyadék, vezérműszíj és őszi gumicsere '.repeat(4)}`;
    const folded = foldLine(line);
    expect(folded.endsWith('\r\n')).toBe(true);
    const physical = folded.slice(0, -2).split('\r\n');
    expect(physical.length).toBeGreaterThan(3);
    for (const [index, part] of physical.entries()) {
      expect(Buffer.byteLength(part, 'utf8'), part).toBeLessThanOrEqual(75);
      if (index > 0) expect(part.startsWith(' ')).toBe(true);
      // Each physical line is valid UTF-8 on its own: no sequence was cut.
      expect(Buffer.from(Buffer.from(part, 'utf8').toString('utf8'), 'utf8').equals(Buffer.from(part, 'utf8'))).toBe(true);
      expect(part).not.toContain('\uFFFD');
    }
    expect(unfold(folded)).toEqual([line]);
  });

  it('folds a line of only 2-byte characters so that no line passes 75 octets and a line ends where a character ends', () => {
    const line = `DESCRIPTION:${'ő'.repeat(100)}`;
    const physical = foldLine(line).slice(0, -2).split('\r\n');
    // Full lines are filled to 74 or 75 octets (a 2-byte character that would pass 75 goes to the next line); only the last is shorter.
    expect(physical.slice(0, -1).map((part) => Buffer.byteLength(part, 'utf8')).every((octets) => octets === 74 || octets === 75)).toBe(true);
    expect(Buffer.byteLength(physical.at(-1) ?? '', 'utf8')).toBeLessThanOrEqual(75);
    expect(physical.slice(1).every((part) => part.startsWith(' ') && /^ ő+$/.test(part))).toBe(true);
  });

  it('does not split a 4-byte character (emoji) or its surrogate pair', () => {
    const line = `SUMMARY:${'🚗'.repeat(40)}`;
    for (const part of foldLine(line).slice(0, -2).split('\r\n')) {
      expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
      expect(/^ ?(🚗)+$|^SUMMARY:(🚗)+$/u.test(part), part).toBe(true);
    }
  });

  it('UIDs are stable for the same reminder and due, and differ when the due moves or for another reminder', () => {
    const uid = reminderEventUid('r1', '2027-06-01', 'app.example');
    expect(reminderEventUid('r1', '2027-06-01', 'app.example')).toBe(uid);
    expect(reminderEventUid('r1', '2027-07-01', 'app.example')).not.toBe(uid);
    expect(reminderEventUid('r2', '2027-06-01', 'app.example')).not.toBe(uid);
    expect(uid).toMatch(/^[0-9a-f]{32}@app\.example$/);
  });

  it('renders a VCALENDAR of all-day VEVENTs with CRLF line ends only', () => {
    const text = renderCalendar({
      name: 'Garázs, emlékeztetők',
      language: 'hu',
      events: [{ uid: 'u1@x', date: '2027-12-31', summary: 'Műszaki vizsga; Daily, Octavia', description: 'Esedékes\nholnap', stamp: new Date('2026-01-02T03:04:05.678Z'), url: 'https://x.example/garage' }],
    });
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    const lines = unfold(text);
    expect(lines.slice(0, 2)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0']);
    expect(lines).toContain('X-WR-CALNAME:Garázs\\, emlékeztetők');
    expect(lines).toContain('DTSTART;VALUE=DATE:20271231');
    // The exclusive end of an all-day event: the next day, across the year's end.
    expect(lines).toContain('DTEND;VALUE=DATE:20280101');
    expect(lines).toContain('DTSTAMP:20260102T030405Z');
    expect(lines).toContain('SUMMARY:Műszaki vizsga\\; Daily\\, Octavia');
    expect(lines).toContain('DESCRIPTION:Esedékes\\nholnap');
    expect(lines.filter((line) => line === 'BEGIN:VEVENT')).toHaveLength(1);
    expect(dateTimeValue(new Date('2026-12-04T00:00:00Z'))).toBe('20261204T000000Z');
  });
});
