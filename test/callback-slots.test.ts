import { describe, expect, it } from 'vitest';
import { checkSlot, formatSlot, parseBusinessHours, parseSlotInput, upcomingSlots } from '../src/tickets/callback-slots.js';

const rules = { hours: parseBusinessHours('Mon-Fri 09:00-17:00', 'Europe/Berlin'), slotMinutes: 30, daysAhead: 5 };
// Monday 23 Nov 2026, 15:10 in Berlin (14:10 UTC).
const now = new Date('2026-11-23T14:10:00Z');

describe('callback slots (business hours, time zones)', () => {
  it('parses weekday ranges including ones that wrap around the week', () => {
    expect([...parseBusinessHours('Mon-Fri 09:00-17:00', 'UTC').weekdays]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseBusinessHours('Sat-Mon 10:00-12:00', 'UTC').weekdays]).toEqual([6, 7, 1]);
    expect(() => parseBusinessHours('Mon-Fri 17:00-09:00', 'UTC')).toThrow(/closing time/);
  });

  it('accepts a slot inside business hours in the business time zone', () => {
    expect(checkSlot(parseSlotInput('2026-11-24 10:00', 'Europe/Berlin')!, rules, now)).toBe('ok');
    // 09:30 UTC is 10:30 in Berlin: fine.
    expect(checkSlot(new Date('2026-11-24T09:30:00Z'), rules, now)).toBe('ok');
  });

  it('refuses past, out-of-hours, weekend and too-distant slots', () => {
    expect(checkSlot(parseSlotInput('2026-11-23 10:00', 'Europe/Berlin')!, rules, now)).toBe('past');
    expect(checkSlot(parseSlotInput('2026-11-24 08:30', 'Europe/Berlin')!, rules, now)).toBe('outside-hours');
    expect(checkSlot(parseSlotInput('2026-11-24 16:45', 'Europe/Berlin')!, rules, now)).toBe('outside-hours'); // would end after 17:00
    expect(checkSlot(parseSlotInput('2026-11-28 10:00', 'Europe/Berlin')!, rules, now)).toBe('outside-hours'); // Saturday
    expect(checkSlot(parseSlotInput('2026-12-07 10:00', 'Europe/Berlin')!, rules, now)).toBe('too-far');
  });

  it('offers the next slots in hours only, spread over days', () => {
    const slots = upcomingSlots(rules, now, 6, 3);
    expect(slots.map((s) => formatSlot(s, 'Europe/Berlin'))).toEqual([
      'Mon 23 Nov, 15:30–16:00',
      'Mon 23 Nov, 16:00–16:30',
      'Mon 23 Nov, 16:30–17:00',
      'Tue 24 Nov, 09:00–09:30',
      'Tue 24 Nov, 09:30–10:00',
      'Tue 24 Nov, 10:00–10:30',
    ]);
    for (const slot of slots) expect(checkSlot(new Date(slot.start), rules, now)).toBe('ok');
  });

  it('reads typed dates in common formats and rejects text that is not a time', () => {
    expect(parseSlotInput('24.11.2026 10:00', 'Europe/Berlin')?.toISOString()).toBe('2026-11-24T09:00:00.000Z');
    expect(parseSlotInput('2026-11-24T10:00', 'Europe/Berlin')?.toISOString()).toBe('2026-11-24T09:00:00.000Z');
    expect(parseSlotInput('tomorrow-ish', 'Europe/Berlin')).toBeUndefined();
    expect(parseSlotInput('2026-11-24', 'Europe/Berlin')).toBeUndefined();
  });
});
