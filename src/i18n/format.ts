import { DateTime } from 'luxon';

/** "Tue 24 Nov, 14:00" in the business time zone and the customer's language. */
export function formatDateTime(iso: string, timeZone: string, locale = 'en'): string {
  return DateTime.fromISO(iso, { zone: timeZone }).setLocale(locale).toFormat('ccc d LLL, HH:mm');
}
