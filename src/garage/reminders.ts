/**
 * Service and inspection reminders (issue 20, "Mileage and reminders"): the
 * suggested intervals per kind and when a reminder is next due. Pure: no
 * database, no clock; callers pass today (a UTC `YYYY-MM-DD`) and the latest
 * odometer reading. A reminder stores its next due (`due_date`, `due_km`),
 * so a scheduler can select what is due with one indexed query and then
 * call {@link nextDue} for the state.
 */

import type { FieldProblem } from '../errors.js';

export const REMINDER_KINDS = ['oil_service', 'timing_belt', 'brake_fluid', 'inspection', 'insurance', 'custom'] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export const ODOMETER_SOURCES = ['manual', 'scan'] as const;
export type OdometerSource = (typeof ODOMETER_SOURCES)[number];

/** The odometer range a reading may have. */
export const MAX_ODOMETER_KM = 2_000_000;
/** Reminders one vehicle may have. */
export const MAX_REMINDERS_PER_VEHICLE = 20;
/** The longest interval a reminder may repeat at. */
export const MAX_EVERY_MONTHS = 240;
export const MAX_EVERY_KM = 1_000_000;

/** "Due soon": the due date is at most this many days away, or the due mileage at most this many km. */
export const DUE_SOON_DAYS = 30;
export const DUE_SOON_KM = 1000;

export interface ReminderInterval {
  readonly every_months: number | null;
  readonly every_km: number | null;
}

/**
 * Suggested intervals per kind, editable per reminder: oil every 15 000 km or
 * 12 months, timing belt 90 000 km or 60 months, brake fluid 24 months. The
 * technical inspection (műszaki vizsga) and insurance fall due on a fixed
 * date the user gives; custom reminders have no default.
 */
export const SUGGESTED_INTERVALS: Readonly<Record<ReminderKind, ReminderInterval>> = Object.freeze({
  oil_service: { every_months: 12, every_km: 15_000 },
  timing_belt: { every_months: 60, every_km: 90_000 },
  brake_fluid: { every_months: 24, every_km: null },
  inspection: { every_months: null, every_km: null },
  insurance: { every_months: null, every_km: null },
  custom: { every_months: null, every_km: null },
});

export interface ReminderSchedule extends ReminderInterval {
  readonly due_date: string | null;
  readonly due_km: number | null;
  readonly last_done_date: string | null;
  readonly last_done_km: number | null;
}

export type DueState = 'ok' | 'due_soon' | 'overdue';

export interface NextDue {
  readonly dueDate?: string;
  readonly dueKm?: number;
  /** Whichever comes first decides: the worse of the date's and the mileage's state. */
  readonly state: DueState;
  /** Days until the due date (negative: past it). */
  readonly daysLeft?: number;
  /** Km until the due mileage (negative: past it); only with a reading. */
  readonly kmLeft?: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Whether `text` is a real calendar day `YYYY-MM-DD` (no 2026-02-30). */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseDate(text: string): Date {
  if (!isIsoDate(text)) throw new RangeError(`not a calendar date: ${text}`);
  return new Date(`${text}T00:00:00.000Z`);
}

/** The UTC calendar day of an instant. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** `date` plus whole months; the day is clamped to the month's last (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const start = parseDate(date);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return utcDay(Date.UTC(year, month, Math.min(start.getUTCDate(), lastDay)));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseDate(to).getTime() - parseDate(from).getTime()) / DAY_MS);
}

/**
 * The due after a service done on `doneDate` at `doneKm` (null: not known):
 * the interval from there, else what was given explicitly (a fixed date such
 * as the next inspection), else nothing of that kind.
 */
export function dueAfter(interval: ReminderInterval, done: { doneDate: string | null; doneKm: number | null }, given: { dueDate?: string | null | undefined; dueKm?: number | null | undefined } = {}): { due_date: string | null; due_km: number | null } {
  const due_date = given.dueDate ?? (interval.every_months !== null && done.doneDate !== null ? addMonths(done.doneDate, interval.every_months) : null);
  const due_km = given.dueKm ?? (interval.every_km !== null && done.doneKm !== null ? done.doneKm + interval.every_km : null);
  return { due_date, due_km };
}

const STATE_RANK: Readonly<Record<DueState, number>> = { ok: 0, due_soon: 1, overdue: 2 };
const worse = (a: DueState, b: DueState): DueState => (STATE_RANK[a] >= STATE_RANK[b] ? a : b);

/**
 * When `reminder` is next due and how urgent it is, given the latest odometer
 * reading (null: none yet) and today. Overdue: the due date has come, or the
 * reading has reached the due mileage. Due soon: at most {@link DUE_SOON_DAYS}
 * days or {@link DUE_SOON_KM} km left. Without a reading the mileage does not count.
 */
export function nextDue(reminder: Pick<ReminderSchedule, 'due_date' | 'due_km'>, latestKm: number | null, today: string): NextDue {
  let state: DueState = 'ok';
  const result: { dueDate?: string; dueKm?: number; daysLeft?: number; kmLeft?: number } = {};
  if (reminder.due_date !== null) {
    const daysLeft = daysBetween(today, reminder.due_date);
    result.dueDate = reminder.due_date;
    result.daysLeft = daysLeft;
    state = worse(state, daysLeft <= 0 ? 'overdue' : daysLeft <= DUE_SOON_DAYS ? 'due_soon' : 'ok');
  }
  if (reminder.due_km !== null) {
    result.dueKm = reminder.due_km;
    if (latestKm !== null) {
      const kmLeft = reminder.due_km - latestKm;
      result.kmLeft = kmLeft;
      state = worse(state, kmLeft <= 0 ? 'overdue' : kmLeft <= DUE_SOON_KM ? 'due_soon' : 'ok');
    }
  }
  return { ...result, state };
}

/** The mark a scheduler stores in `notified_for` once it mailed this due: a new due has a new mark. */
export function dueMark(reminder: Pick<ReminderSchedule, 'due_date' | 'due_km'>): string {
  return `${reminder.due_date ?? ''}|${reminder.due_km ?? ''}`;
}

/** A reminder's stored fields, as {@link planReminder} and {@link planDone} produce them. */
export interface ReminderPlan extends ReminderSchedule {
  readonly kind: ReminderKind;
  readonly title: string;
}

/** What a client sends to add (all but `kind` optional) or change (all optional) a reminder; `null` clears. */
export interface ReminderInput {
  readonly kind?: ReminderKind | undefined;
  readonly title?: string | undefined;
  readonly every_months?: number | null | undefined;
  readonly every_km?: number | null | undefined;
  readonly due_date?: string | null | undefined;
  readonly due_km?: number | null | undefined;
  readonly last_done_date?: string | null | undefined;
  readonly last_done_km?: number | null | undefined;
}

export type PlanResult = { readonly ok: true; readonly plan: ReminderPlan } | { readonly ok: false; readonly problems: FieldProblem[] };

function dateProblems(fields: Readonly<Record<string, string | null | undefined>>, today: string, notAfterToday: readonly string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    if (!isIsoDate(value)) problems.push({ field, message: 'must be a calendar date YYYY-MM-DD', problem: 'format' });
    else if (notAfterToday.includes(field) && value > today) problems.push({ field, message: `must not be after today (${today})`, problem: 'too_large', params: { limit: today } });
  }
  return problems;
}

/**
 * The stored fields of a new reminder (`current` undefined) or of a changed
 * one. Intervals not given take the kind's suggestion (new) or stay (change).
 * A due not given is computed: from the last service when one is known,
 * for a new reminder else from today and the latest reading. A custom
 * reminder needs a title; every reminder needs a due date or mileage (the
 * inspection and insurance: their fixed date).
 */
export function planReminder(input: ReminderInput, current: ReminderPlan | undefined, context: { readonly latestKm: number | null; readonly today: string }): PlanResult {
  const problems = dateProblems({ due_date: input.due_date, last_done_date: input.last_done_date }, context.today, ['last_done_date']);
  if (problems.length > 0) return { ok: false, problems };
  const kind = input.kind ?? current?.kind ?? 'custom';
  const suggested = SUGGESTED_INTERVALS[kind];
  const title = input.title ?? current?.title ?? '';
  const interval: ReminderInterval = {
    every_months: input.every_months !== undefined ? input.every_months : current === undefined ? suggested.every_months : current.every_months,
    every_km: input.every_km !== undefined ? input.every_km : current === undefined ? suggested.every_km : current.every_km,
  };
  const last_done_date = input.last_done_date !== undefined ? input.last_done_date : (current?.last_done_date ?? null);
  const last_done_km = input.last_done_km !== undefined ? input.last_done_km : (current?.last_done_km ?? null);
  let due_date: string | null;
  let due_km: number | null;
  if (current === undefined) {
    const computed = dueAfter(interval, { doneDate: last_done_date ?? context.today, doneKm: last_done_km ?? context.latestKm });
    due_date = input.due_date !== undefined ? input.due_date : computed.due_date;
    due_km = input.due_km !== undefined ? input.due_km : computed.due_km;
  } else {
    // A change of interval or last service moves a due that was not given with it.
    const recomputeDate = input.every_months !== undefined || input.last_done_date !== undefined;
    const recomputeKm = input.every_km !== undefined || input.last_done_km !== undefined;
    const computed = dueAfter(interval, { doneDate: last_done_date, doneKm: last_done_km });
    due_date = input.due_date !== undefined ? input.due_date : recomputeDate && computed.due_date !== null ? computed.due_date : current.due_date;
    due_km = input.due_km !== undefined ? input.due_km : recomputeKm && computed.due_km !== null ? computed.due_km : current.due_km;
  }
  if (kind === 'custom' && title === '') problems.push({ field: 'title', message: 'a custom reminder needs a title', problem: 'required' });
  if (due_date === null && due_km === null) {
    problems.push({ field: 'due_date', message: 'give a due date or mileage, or an interval to compute one from', problem: 'required' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, plan: { kind, title, ...interval, due_date, due_km, last_done_date, last_done_km } };
}

/**
 * Marks a reminder done on `date` (default today) at `km` (default the latest
 * reading): the next due is the interval from there, or what is given (the
 * next inspection's date). A reminder without an interval needs the next due given.
 */
export function planDone(
  current: ReminderPlan,
  input: { readonly date?: string | undefined; readonly km?: number | undefined; readonly next_due_date?: string | undefined; readonly next_due_km?: number | undefined },
  context: { readonly latestKm: number | null; readonly today: string },
): PlanResult {
  const problems = dateProblems({ date: input.date, next_due_date: input.next_due_date }, context.today, ['date']);
  if (problems.length > 0) return { ok: false, problems };
  const doneDate = input.date ?? context.today;
  const doneKm = input.km ?? context.latestKm;
  if (input.next_due_date !== undefined && input.next_due_date <= doneDate) {
    problems.push({ field: 'next_due_date', message: 'must be after the day it was done', problem: 'too_small', params: { limit: doneDate } });
  }
  if (input.next_due_km !== undefined && doneKm !== null && input.next_due_km <= doneKm) {
    problems.push({ field: 'next_due_km', message: 'must be above the mileage it was done at', problem: 'too_small', params: { limit: doneKm } });
  }
  const due = dueAfter(current, { doneDate, doneKm }, { dueDate: input.next_due_date, dueKm: input.next_due_km });
  if (due.due_date === null && due.due_km === null) problems.push({ field: 'next_due_date', message: 'this reminder has no interval: give the next due date or mileage', problem: 'required' });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, plan: { ...current, last_done_date: doneDate, last_done_km: doneKm, ...due } };
}
