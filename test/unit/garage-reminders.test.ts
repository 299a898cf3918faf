import { describe, expect, it } from 'vitest';
import {
  addMonths,
  daysBetween,
  dueAfter,
  dueMark,
  isIsoDate,
  nextDue,
  planDone,
  planReminder,
  SUGGESTED_INTERVALS,
  utcDay,
  type ReminderPlan,
} from '../../src/garage/reminders.js';

const TODAY = '2026-12-03';

function plan(input: Parameters<typeof planReminder>[0], latestKm: number | null = null, current?: ReminderPlan): ReminderPlan {
  const result = planReminder(input, current, { latestKm, today: TODAY });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}
function problemFields(result: ReturnType<typeof planReminder>): string[] {
  return result.ok ? [] : result.problems.map((problem) => problem.field);
}

describe('calendar arithmetic', () => {
  it('adds months, clamping the day to the month\'s last', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-03-15', 12)).toBe('2027-03-15');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(addMonths('2026-05-31', 60)).toBe('2031-05-31');
  });

  it('counts days, across a leap day and backwards', () => {
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysBetween('2026-12-03', '2026-11-30')).toBe(-3);
    expect(daysBetween(TODAY, TODAY)).toBe(0);
  });

  it('knows a real calendar day', () => {
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('2026-1-01')).toBe(false);
    expect(() => addMonths('2026-02-30', 1)).toThrow(RangeError);
  });

  it('takes the UTC day of an instant', () => {
    expect(utcDay(Date.UTC(2026, 11, 3, 23, 59, 59))).toBe('2026-12-03');
  });
});

describe('suggested intervals', () => {
  it('oil 15 000 km or 12 months, timing belt 90 000 km or 60 months, brake fluid 24 months, inspection and insurance a fixed date', () => {
    expect(SUGGESTED_INTERVALS.oil_service).toEqual({ every_months: 12, every_km: 15_000 });
    expect(SUGGESTED_INTERVALS.timing_belt).toEqual({ every_months: 60, every_km: 90_000 });
    expect(SUGGESTED_INTERVALS.brake_fluid).toEqual({ every_months: 24, every_km: null });
    expect(SUGGESTED_INTERVALS.inspection).toEqual({ every_months: null, every_km: null });
    expect(SUGGESTED_INTERVALS.insurance).toEqual({ every_months: null, every_km: null });
  });
});

describe('nextDue', () => {
  it('is ok far from both dues', () => {
    expect(nextDue({ due_date: '2027-06-01', due_km: 120_000 }, 100_000, TODAY)).toEqual({ dueDate: '2027-06-01', dueKm: 120_000, daysLeft: 180, kmLeft: 20_000, state: 'ok' });
  });

  it('is due soon within 30 days or 1000 km, whichever comes first', () => {
    expect(nextDue({ due_date: '2027-01-02', due_km: 120_000 }, 100_000, TODAY).state).toBe('due_soon');
    expect(nextDue({ due_date: '2027-01-03', due_km: 120_000 }, 100_000, TODAY).state).toBe('ok');
    expect(nextDue({ due_date: '2027-06-01', due_km: 101_000 }, 100_000, TODAY).state).toBe('due_soon');
    expect(nextDue({ due_date: '2027-06-01', due_km: 101_001 }, 100_000, TODAY).state).toBe('ok');
  });

  it('is overdue when the day has come or the mileage is reached, even if the other is far', () => {
    expect(nextDue({ due_date: TODAY, due_km: null }, null, TODAY)).toMatchObject({ state: 'overdue', daysLeft: 0 });
    expect(nextDue({ due_date: '2026-11-01', due_km: 200_000 }, 100_000, TODAY)).toMatchObject({ state: 'overdue', daysLeft: -32 });
    expect(nextDue({ due_date: '2027-11-01', due_km: 100_000 }, 100_200, TODAY)).toMatchObject({ state: 'overdue', kmLeft: -200 });
  });

  it('without a reading the mileage does not count', () => {
    expect(nextDue({ due_date: null, due_km: 1000 }, null, TODAY)).toEqual({ dueKm: 1000, state: 'ok' });
  });

  it('marks a due so a scheduler mails it once; a new due has a new mark', () => {
    expect(dueMark({ due_date: '2027-01-01', due_km: null })).toBe('2027-01-01|');
    expect(dueMark({ due_date: '2027-01-01', due_km: 5 })).not.toBe(dueMark({ due_date: '2027-01-01', due_km: 6 }));
  });
});

describe('planReminder', () => {
  it('a new reminder takes the kind\'s suggestion and counts from today and the latest reading', () => {
    expect(plan({ kind: 'oil_service' }, 100_000)).toMatchObject({ every_months: 12, every_km: 15_000, due_date: '2027-12-03', due_km: 115_000, last_done_date: null, last_done_km: null });
    expect(plan({ kind: 'oil_service' }, null)).toMatchObject({ due_date: '2027-12-03', due_km: null });
  });

  it('counts from the last service when given, and a given due wins', () => {
    expect(plan({ kind: 'timing_belt', last_done_date: '2024-05-31', last_done_km: 60_000 })).toMatchObject({ due_date: '2029-05-31', due_km: 150_000 });
    expect(plan({ kind: 'oil_service', due_date: '2027-03-01', due_km: null }, 1000)).toMatchObject({ due_date: '2027-03-01', due_km: null });
  });

  it('refuses a custom reminder without a title, a reminder that is never due, a last service in the future, an impossible day', () => {
    expect(problemFields(planReminder({ kind: 'custom', due_date: '2027-01-01' }, undefined, { latestKm: null, today: TODAY }))).toEqual(['title']);
    expect(problemFields(planReminder({ kind: 'inspection' }, undefined, { latestKm: null, today: TODAY }))).toEqual(['due_date']);
    expect(problemFields(planReminder({ kind: 'oil_service', every_months: null }, undefined, { latestKm: null, today: TODAY }))).toEqual(['due_date']);
    expect(problemFields(planReminder({ kind: 'oil_service', last_done_date: '2026-12-04' }, undefined, { latestKm: null, today: TODAY }))).toEqual(['last_done_date']);
    expect(problemFields(planReminder({ kind: 'inspection', due_date: '2027-02-29' }, undefined, { latestKm: null, today: TODAY }))).toEqual(['due_date']);
  });

  it('a change keeps what it does not name; a new interval moves the due from the last service', () => {
    const current = plan({ kind: 'oil_service', last_done_date: '2026-06-01', last_done_km: 40_000 });
    expect(current).toMatchObject({ due_date: '2027-06-01', due_km: 55_000 });
    expect(plan({ title: 'Olaj' }, null, current)).toEqual({ ...current, title: 'Olaj' });
    expect(plan({ every_km: 10_000 }, null, current)).toMatchObject({ due_km: 50_000, due_date: '2027-06-01' });
    expect(plan({ every_months: 6 }, null, current)).toMatchObject({ due_date: '2026-12-01', due_km: 55_000 });
    expect(plan({ every_km: 10_000, due_km: 51_000 }, null, current)).toMatchObject({ due_km: 51_000 });
  });
});

describe('planDone', () => {
  const oil = plan({ kind: 'oil_service', last_done_date: '2025-12-01', last_done_km: 85_000 });

  it('records today and the latest reading and moves the due by the interval', () => {
    const result = planDone(oil, {}, { latestKm: 99_000, today: TODAY });
    expect(result).toEqual({ ok: true, plan: { ...oil, last_done_date: TODAY, last_done_km: 99_000, due_date: '2027-12-03', due_km: 114_000 } });
  });

  it('a fixed-date reminder needs the next due; it may not be before the service', () => {
    const inspection = plan({ kind: 'inspection', due_date: '2026-12-10' });
    expect(planDone(inspection, {}, { latestKm: null, today: TODAY })).toMatchObject({ ok: false, problems: [{ field: 'next_due_date', problem: 'required' }] });
    expect(planDone(inspection, { next_due_date: '2026-12-01' }, { latestKm: null, today: TODAY })).toMatchObject({ ok: false, problems: [{ field: 'next_due_date', problem: 'too_small' }] });
    expect(planDone(inspection, { next_due_date: '2028-12-03' }, { latestKm: null, today: TODAY })).toMatchObject({ ok: true, plan: { due_date: '2028-12-03', last_done_date: TODAY } });
  });

  it('refuses a service in the future', () => {
    expect(planDone(oil, { date: '2026-12-04' }, { latestKm: null, today: TODAY })).toMatchObject({ ok: false, problems: [{ field: 'date' }] });
  });

  it('dueAfter: no interval and nothing given is no due', () => {
    expect(dueAfter({ every_months: null, every_km: null }, { doneDate: TODAY, doneKm: 5 })).toEqual({ due_date: null, due_km: null });
  });
});
