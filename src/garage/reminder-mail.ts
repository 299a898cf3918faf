import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { ReminderMailCandidate, ReminderMailRepository } from '../db/repositories/reminder-mail.js';
import { composeMail, type MailBlock, type MailLanguage } from '../mail/compose.js';
import type { Mailer, MailMessage } from '../mail/mailer.js';
import { reminderMetrics } from '../observability/metrics.js';
import { PeriodicJob } from '../periodic-job.js';
import type { LogTimers } from '../security/security-event-log.js';
import { REMINDER_MAIL_LOCK_KEY } from '../security/store-keys.js';
import type { KeyValueStore } from '../stores/key-value-store.js';
import { capitalized, kmText, reminderLabel, vehicleLabel } from './reminder-texts.js';
import { DUE_SOON_DAYS, DUE_SOON_KM, dueMark, nextDue, utcDay, type NextDue } from './reminders.js';

const DAY_MS = 86_400_000;
/** Reminders one run mails at most; the rest wait for the next run. */
export const REMINDER_MAIL_BATCH = 200;
/** How long the lock lives if its holder dies mid-run (a live holder releases it at the end). */
export const REMINDER_MAIL_LOCK_TTL_MS = 5 * 60_000;
/** The lock's value between runs: released, free for the next taker. */
const RELEASED = 'released';
/** The first run comes this long after start (plus up to as much again at random, so instances started together spread out). */
export const FIRST_RUN_DELAY_MS = 60_000;

/** What one run did. */
export interface ReminderMailRun {
  /** `locked`: another instance held the lock; `store_unavailable`: the store did not answer (nothing was done). */
  readonly skipped?: 'locked' | 'store_unavailable';
  readonly sent: number;
  readonly failed: number;
}

export interface ReminderMailerOptions {
  readonly repository: Pick<ReminderMailRepository, 'candidates' | 'claim' | 'unclaim'>;
  /** Holds the lock (set-if-absent, compare-and-set). */
  readonly store: Pick<KeyValueStore, 'setIfAbsent' | 'compareAndSet'>;
  readonly mailer: Mailer;
  readonly clock: Clock;
  /** The web app's origin: the mail links to `<publicUrl>/garage`. */
  readonly publicUrl: string;
  /** REMINDER_MAIL_INTERVAL_MINUTES; 0: never runs on its own. */
  readonly intervalMinutes: number;
  readonly timers?: LogTimers;
  readonly firstDelayMs?: number;
  readonly batchSize?: number;
  /** A mail that could not be sent (it is retried at a later run), or a run that failed. Never throws. */
  readonly onError?: (error: unknown, context: { readonly reminderId?: string }) => void;
}

/**
 * Mails each due garage reminder once (issue 20). A run, every
 * REMINDER_MAIL_INTERVAL_MINUTES in every instance, takes a lock in the
 * key-value store (set-if-absent with a TTL, released by its owner only) so
 * that instances do not all do the same work; then it reads up to
 * {@link REMINDER_MAIL_BATCH} reminders due soon or overdue (today and the
 * latest reading, as the garage page shows) whose due was not mailed yet,
 * and for each first CLAIMS the due with a conditional update of
 * `notified_for` — only one caller anywhere wins it — and then sends the
 * mail. A failed mail gives the claim back, so a later run retries. The
 * database's mark, not the lock, makes it exactly once: a lock that expires
 * mid-run or a store that forgot costs only work. Moving the due (done,
 * PUT) clears the mark: the next due is mailed again. A mail goes only to
 * a verified address of an active, unlocked account, in its language.
 */
export class ReminderMailer {
  private readonly job: PeriodicJob<ReminderMailRun>;

  constructor(private readonly options: ReminderMailerOptions) {
    this.job = new PeriodicJob({
      run: () =>
        this.lockedRun().catch((error: unknown): ReminderMailRun => {
          this.options.onError?.(error, {});
          return { sent: 0, failed: 0 };
        }),
      intervalMs: options.intervalMinutes * 60_000,
      firstDelayMs: () => options.firstDelayMs ?? FIRST_RUN_DELAY_MS + Math.floor(Math.random() * FIRST_RUN_DELAY_MS),
      timers: options.timers,
    });
  }

  start(): void {
    if (this.options.intervalMinutes !== 0) this.job.start();
  }

  /** One run now (a run already going in this instance is joined); never rejects. */
  runOnce(): Promise<ReminderMailRun> {
    return this.job.runOnce();
  }

  /** Stops the timer and waits for a run in progress, so nothing touches the database or SMTP after close. */
  stop(): Promise<void> {
    return this.job.stop();
  }

  private async lockedRun(): Promise<ReminderMailRun> {
    const { store } = this.options;
    const owner = randomUUID();
    let held: boolean;
    try {
      held = (await store.setIfAbsent(REMINDER_MAIL_LOCK_KEY, owner, REMINDER_MAIL_LOCK_TTL_MS)) || (await store.compareAndSet(REMINDER_MAIL_LOCK_KEY, RELEASED, owner, REMINDER_MAIL_LOCK_TTL_MS));
    } catch (error) {
      // Fail closed: no run without the store (the next interval tries again).
      this.options.onError?.(error, {});
      return { skipped: 'store_unavailable', sent: 0, failed: 0 };
    }
    if (!held) return { skipped: 'locked', sent: 0, failed: 0 };
    try {
      return await this.mailDue();
    } finally {
      // Only our own lock: one that expired and was taken by another instance stays theirs.
      await store.compareAndSet(REMINDER_MAIL_LOCK_KEY, owner, RELEASED, REMINDER_MAIL_LOCK_TTL_MS).catch((error: unknown) => {
        this.options.onError?.(error, {});
      });
    }
  }

  /**
   * Claims and mails what is due, without the lock: safe for any number of
   * callers at once (the claim decides). Public for the exactly-once test.
   */
  async mailDue(): Promise<ReminderMailRun> {
    const { repository, clock } = this.options;
    const nowMs = clock.now();
    const today = utcDay(nowMs);
    const candidates = await repository.candidates({ dateLimit: utcDay(nowMs + DUE_SOON_DAYS * DAY_MS), kmMargin: DUE_SOON_KM, limit: this.options.batchSize ?? REMINDER_MAIL_BATCH });
    let sent = 0;
    let failed = 0;
    for (const candidate of candidates) {
      if (this.job.isStopped) break;
      const due = nextDue(candidate, candidate.latest_km, today);
      const mark = dueMark(candidate);
      if (due.state === 'ok' || candidate.notified_for === mark) continue;
      if (!(await repository.claim(candidate, mark))) continue;
      try {
        await this.options.mailer.send(reminderMessage(candidate, due, this.options.publicUrl));
        sent += 1;
        reminderMetrics.mailsSent.inc();
      } catch (error) {
        failed += 1;
        reminderMetrics.mailFailures.inc();
        this.options.onError?.(error, { reminderId: candidate.id });
        await repository.unclaim(candidate.id, mark, candidate.notified_for);
      }
    }
    return { sent, failed };
  }
}

const TEXTS = {
  hu: {
    dueSoon: (label: string, vehicle: string) => `Hamarosan esedékes: ${label} – ${vehicle}`,
    overdue: (label: string, vehicle: string) => `Lejárt: ${label} – ${vehicle}`,
    leadSoon: (label: string, vehicle: string) => `Hamarosan esedékes a(z) ${vehicle} járműved emlékeztetője: ${label}.`,
    leadOverdue: (label: string, vehicle: string) => `Lejárt a(z) ${vehicle} járműved emlékeztetője: ${label}.`,
    dueDate: (date: string, days: number) => (days > 0 ? `Határidő: ${date} (${days} nap múlva).` : days === 0 ? `Határidő: ${date} (ma).` : `Határidő: ${date} (${-days} napja lejárt).`),
    dueKm: (km: string, latest: string | undefined) => `Esedékes ${km}-nél${latest === undefined ? '' : ` (a legutóbbi állás: ${latest})`}.`,
    either: 'Amelyik előbb jön, az számít.',
    link: 'A garázs oldalon jelölheted elvégzettnek vagy módosíthatod:',
    footer: 'Ezt a levelet az AutoCognitix küldte, mert emlékeztetőt állítottál be; egy határidőről egyszer írunk.',
  },
  en: {
    dueSoon: (label: string, vehicle: string) => `Due soon: ${label} – ${vehicle}`,
    overdue: (label: string, vehicle: string) => `Overdue: ${label} – ${vehicle}`,
    leadSoon: (label: string, vehicle: string) => `A reminder for your ${vehicle} is due soon: ${label}.`,
    leadOverdue: (label: string, vehicle: string) => `A reminder for your ${vehicle} is overdue: ${label}.`,
    dueDate: (date: string, days: number) => (days > 0 ? `Due on ${date} (in ${days} days).` : days === 0 ? `Due on ${date} (today).` : `Due on ${date} (${-days} days ago).`),
    dueKm: (km: string, latest: string | undefined) => `Due at ${km}${latest === undefined ? '' : ` (latest reading: ${latest})`}.`,
    either: 'Whichever comes first counts.',
    link: 'Mark it done or change it on your garage page:',
    footer: 'AutoCognitix sent this mail because you set a reminder; we write once per due.',
  },
} as const satisfies Record<MailLanguage, unknown>;

/** The reminder mail in the user's language: what, which vehicle, when (date and/or km), and the garage page. */
export function reminderMessage(candidate: ReminderMailCandidate, due: NextDue, publicUrl: string): MailMessage {
  const language = candidate.user.language;
  const text = TEXTS[language];
  const label = reminderLabel(candidate, language);
  const vehicle = vehicleLabel(candidate.vehicle);
  const overdue = due.state === 'overdue';
  const blocks: MailBlock[] = [overdue ? text.leadOverdue(label, vehicle) : text.leadSoon(label, vehicle)];
  if (due.dueDate !== undefined && due.daysLeft !== undefined) blocks.push(text.dueDate(due.dueDate, due.daysLeft));
  if (due.dueKm !== undefined) blocks.push(text.dueKm(kmText(due.dueKm, language), candidate.latest_km === null ? undefined : kmText(candidate.latest_km, language)));
  if (due.dueDate !== undefined && due.dueKm !== undefined) blocks.push(text.either);
  blocks.push(text.link, { url: `${publicUrl}/garage` }, text.footer);
  const subject = `AutoCognitix: ${(overdue ? text.overdue : text.dueSoon)(capitalized(label), vehicle)}`;
  return composeMail(candidate.user.email, language, subject, blocks);
}
