/**
 * How a reminder is named to its owner outside the web app (the reminder
 * mail, the iCalendar feed), in the user's language. The web app has the
 * same kind names in web/src/i18n/messages.ts.
 */

import type { ReminderKind } from './reminders.js';

export type ReminderLanguage = 'hu' | 'en';

export const REMINDER_KIND_TEXTS: Readonly<Record<ReminderLanguage, Readonly<Record<ReminderKind, string>>>> = Object.freeze({
  hu: { oil_service: 'olajcsere', timing_belt: 'vezérműszíj', brake_fluid: 'fékfolyadék', inspection: 'műszaki vizsga', insurance: 'biztosítás', custom: 'emlékeztető' },
  en: { oil_service: 'oil service', timing_belt: 'timing belt', brake_fluid: 'brake fluid', inspection: 'technical inspection', insurance: 'insurance', custom: 'reminder' },
});

/** "Daily (Skoda Octavia)" or "Skoda Octavia". */
export function vehicleLabel(vehicle: { readonly make: string; readonly model: string; readonly nickname: string | null }): string {
  const name = `${vehicle.make} ${vehicle.model}`.trim();
  return vehicle.nickname === null || vehicle.nickname === '' ? name : `${vehicle.nickname} (${name})`;
}

/** The reminder's name: its title for a custom one, else the kind (with the title after it when one was given). */
export function reminderLabel(reminder: { readonly kind: ReminderKind; readonly title: string }, language: ReminderLanguage): string {
  const kind = REMINDER_KIND_TEXTS[language][reminder.kind];
  if (reminder.title === '') return kind;
  return reminder.kind === 'custom' ? reminder.title : `${kind}: ${reminder.title}`;
}

/** Capital first letter (Hungarian kind names are written lower-case inside a sentence). */
export function capitalized(text: string): string {
  return text.charAt(0).toLocaleUpperCase('hu') + text.slice(1);
}

/** A mileage for people: "15 000 km" (HU, thin spacing as a normal space) or "15,000 km" (EN). */
export function kmText(km: number, language: ReminderLanguage): string {
  return `${km.toLocaleString(language === 'hu' ? 'hu-HU' : 'en-GB').replace(/\u00a0/g, ' ')} km`;
}
