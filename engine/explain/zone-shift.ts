// Timezone evidence no fixed needle finds: one instant, printed as local time on
// each side, so the experiment's wall clock reads the control's moved by exactly
// the difference between the two zones (e.g. `date -d @86400 +%FT%R`: 1970-01-01T12:00
// in GMT+12, 1970-01-02T14:00 in GMT-14, 26 hours apart). A shifted clock (time)
// moves dates by days, never by exactly the zones' difference. Pure.

import { MONTHS } from './needles.js';

// ISO 8601 (2024-01-01T12:00, 2024-01-01 12:00:00) and RFC 2822 (Mon, 01 Jan 2024 12:00:00).
const ISO = /(?<!\d)(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)/g;
const RFC2822 = new RegExp(`(?<!\\d)(\\d{1,2}) (${MONTHS.join('|')}) (\\d{4}) (\\d\\d):(\\d\\d)`, 'g');

/** Every wall-clock reading in the text, in minutes since the epoch as if it were UTC. */
function readings(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(ISO)) out.push(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) / 60_000);
  for (const m of text.matchAll(RFC2822))
    out.push(Date.UTC(+m[3]!, MONTHS.indexOf(m[2]!), +m[1]!, +m[4]!, +m[5]!) / 60_000);
  return out.filter((n) => Number.isFinite(n));
}

/**
 * How many wall-clock readings on the added side are a removed-side reading moved by
 * exactly `shiftMinutes` (the experiment's zone offset minus the control's); 0 when
 * the zones share an offset.
 */
export function zoneShiftedReadings(removed: string, added: string, shiftMinutes: number): number {
  if (shiftMinutes === 0) return 0;
  const before = new Set(readings(removed));
  return readings(added).filter((minutes) => before.has(minutes - shiftMinutes)).length;
}
