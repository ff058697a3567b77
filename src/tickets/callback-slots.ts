import { DateTime } from 'luxon';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** Business hours as parsed from e.g. "Mon-Fri 09:00-17:00", in one IANA time zone. */
export interface BusinessHours {
  /** ISO weekdays (1 = Monday … 7 = Sunday) when callbacks happen. */
  weekdays: ReadonlySet<number>;
  openMinute: number;
  closeMinute: number;
  timeZone: string;
}

export interface SlotRules {
  hours: BusinessHours;
  slotMinutes: number;
  daysAhead: number;
}

/** A callback slot, both ends as ISO strings with the business time-zone offset. */
export interface Slot {
  start: string;
  end: string;
}

/** Parses the BUSINESS_HOURS setting (validated in config, so a bad value here is a bug). */
export function parseBusinessHours(spec: string, timeZone: string): BusinessHours {
  const match = /^(\w{3})(?:-(\w{3}))? (\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(spec.trim());
  if (match === null) throw new Error(`Business hours "${spec}" must look like "Mon-Fri 09:00-17:00"`);
  const [, from, to, oh, om, ch, cm] = match;
  const first = DAYS.indexOf(from as (typeof DAYS)[number]) + 1;
  const last = DAYS.indexOf((to ?? from) as (typeof DAYS)[number]) + 1;
  if (first === 0 || last === 0) throw new Error(`Business hours "${spec}": unknown weekday`);
  const weekdays = new Set<number>();
  for (let day = first; ; day = (day % 7) + 1) {
    weekdays.add(day);
    if (day === last) break;
  }
  const openMinute = Number(oh) * 60 + Number(om);
  const closeMinute = Number(ch) * 60 + Number(cm);
  if (closeMinute <= openMinute) throw new Error(`Business hours "${spec}": closing time must be after opening time`);
  return { weekdays, openMinute, closeMinute, timeZone };
}

/** Why a requested slot cannot be booked, or 'ok'. */
export type SlotCheck = 'ok' | 'past' | 'outside-hours' | 'too-far';

/** Checks a slot start (any instant) against the rules, relative to `now`. */
export function checkSlot(start: Date, rules: SlotRules, now: Date): SlotCheck {
  const local = DateTime.fromJSDate(start, { zone: rules.hours.timeZone });
  if (local.toMillis() <= now.getTime()) return 'past';
  const minute = local.hour * 60 + local.minute;
  if (!rules.hours.weekdays.has(local.weekday) || minute < rules.hours.openMinute || minute + rules.slotMinutes > rules.hours.closeMinute) {
    return 'outside-hours';
  }
  const lastDay = DateTime.fromJSDate(now, { zone: rules.hours.timeZone }).startOf('day').plus({ days: rules.daysAhead + 1 });
  if (local >= lastDay) return 'too-far';
  return 'ok';
}

function toSlot(start: DateTime, slotMinutes: number): Slot {
  return { start: start.toISO({ suppressMilliseconds: true })!, end: start.plus({ minutes: slotMinutes }).toISO({ suppressMilliseconds: true })! };
}

/**
 * The next free-standing slots after `now` within business hours, at most `count`, spread so the
 * customer sees choices on more than one day (at most `perDay` per day).
 */
export function upcomingSlots(rules: SlotRules, now: Date, count = 6, perDay = 3): Slot[] {
  const slots: Slot[] = [];
  const today = DateTime.fromJSDate(now, { zone: rules.hours.timeZone }).startOf('day');
  for (let dayOffset = 0; dayOffset <= rules.daysAhead && slots.length < count; dayOffset++) {
    const day = today.plus({ days: dayOffset });
    let taken = 0;
    for (let minute = rules.hours.openMinute; minute + rules.slotMinutes <= rules.hours.closeMinute; minute += rules.slotMinutes) {
      const start = day.plus({ minutes: minute });
      if (checkSlot(start.toJSDate(), rules, now) !== 'ok') continue;
      slots.push(toSlot(start, rules.slotMinutes));
      if (++taken >= perDay || slots.length >= count) break;
    }
  }
  return slots;
}

/**
 * Reads a typed date and time ("2026-11-24 10:00", "24.11.2026 10:00", ISO) in the business
 * time zone. Returns undefined when it is not a date and time.
 */
export function parseSlotInput(text: string, timeZone: string): Date | undefined {
  const input = text.trim();
  for (const format of ['yyyy-MM-dd HH:mm', "yyyy-MM-dd'T'HH:mm", 'dd.MM.yyyy HH:mm', 'yyyy-MM-dd H:mm', 'd.M.yyyy H:mm']) {
    const parsed = DateTime.fromFormat(input, format, { zone: timeZone });
    if (parsed.isValid) return parsed.toJSDate();
  }
  const iso = DateTime.fromISO(input, { zone: timeZone });
  return iso.isValid && /\d{1,2}:\d{2}/.test(input) ? iso.toJSDate() : undefined;
}

/** "Tue 24 Nov, 10:00–10:30" in the business time zone and the customer's language. */
export function formatSlot(slot: Slot, timeZone: string, locale = 'en'): string {
  const start = DateTime.fromISO(slot.start, { zone: timeZone }).setLocale(locale);
  const end = DateTime.fromISO(slot.end, { zone: timeZone }).setLocale(locale);
  return `${start.toFormat('ccc d LLL, HH:mm')}–${end.toFormat('HH:mm')}`;
}

/** The slot that starts at `start`. */
export function slotAt(start: Date, rules: SlotRules): Slot {
  return toSlot(DateTime.fromJSDate(start, { zone: rules.hours.timeZone }), rules.slotMinutes);
}
