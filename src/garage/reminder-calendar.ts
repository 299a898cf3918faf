import type { VehicleReminder } from '../db/repositories/reminders.js';
import { renderCalendar, reminderEventUid, type CalendarEvent } from './ical.js';
import { capitalized, kmText, reminderLabel, vehicleLabel, type ReminderLanguage } from './reminder-texts.js';

export interface FeedItem {
  readonly reminder: VehicleReminder;
  readonly vehicle: { readonly make: string; readonly model: string; readonly nickname: string | null };
}

const CALENDAR_NAME: Readonly<Record<ReminderLanguage, string>> = { hu: 'AutoCognitix – garázs emlékeztetők', en: 'AutoCognitix – garage reminders' };

/** What the event says about the due: the date and, when the reminder also has one, the mileage. */
function description(reminder: VehicleReminder, language: ReminderLanguage, garageUrl: string): string {
  const due = reminder.due_date ?? '';
  const lines =
    reminder.due_km === null
      ? [language === 'hu' ? `Esedékes: ${due}.` : `Due on ${due}.`]
      : [language === 'hu' ? `Esedékes: ${due} vagy ${kmText(reminder.due_km, 'hu')}, amelyik előbb jön.` : `Due on ${due} or at ${kmText(reminder.due_km, 'en')}, whichever comes first.`];
  lines.push(garageUrl);
  return lines.join('\n');
}

/**
 * The user's feed: one all-day event per reminder that has a due date (a
 * reminder by mileage only has no day to put it on), on that day. Its UID
 * stays while the due stays; DTSTAMP is when the reminder last changed.
 */
export function reminderCalendar(items: readonly FeedItem[], language: ReminderLanguage, publicUrl: string): string {
  const domain = new URL(publicUrl).hostname;
  const garageUrl = `${publicUrl}/garage`;
  const events: CalendarEvent[] = items
    .filter((item): item is FeedItem & { reminder: VehicleReminder & { due_date: string } } => item.reminder.due_date !== null)
    .map(({ reminder, vehicle }) => ({
      uid: reminderEventUid(reminder.id, reminder.due_date, domain),
      date: reminder.due_date,
      summary: `${capitalized(reminderLabel(reminder, language))} – ${vehicleLabel(vehicle)}`,
      description: description(reminder, language, garageUrl),
      stamp: new Date(reminder.updated_at),
      url: garageUrl,
    }));
  return renderCalendar({ name: CALENDAR_NAME[language], language, events });
}
