// Clock leaks: whether the two sides of a difference are timestamps that follow
// each side's own clock. Each side's clock is the real one while the check ran
// (file mtimes, which libfaketime leaves real) and, when the time variation faked
// it, that side's faked clock from its start value on. A stamp printed without a
// zone may be in any zone the variations use, so it is widened by 14 hours. Pure.
import type { BuildResult, PerSide } from '../../reports/model.js';
import { MONTHS } from './needles.js';

/** A span of time in ms since the epoch (a stamp covers its precision: a day, a minute, a second). */
export type Span = Readonly<{ from: number; to: number }>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Stamps without a zone may be local time in GMT+12 or GMT-14. */
const ANY_ZONE = 14 * HOUR;
/** Slack around a clock: start-up, a sweep's queue, rounding. */
const SLACK = 5 * MINUTE;

const FULL_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MON = `(${MONTHS.join('|')})`;
const month = (name: string) => MONTHS.indexOf(name.slice(0, 3));

const zoneMs = (zone: string | undefined): number | null => {
  if (!zone) return null;
  if (zone === 'Z' || zone === 'UTC' || zone === 'GMT') return 0;
  const m = /^(?:GMT|UTC)?([+-])(\d\d):?(\d\d)$/.exec(zone);
  return m ? (m[1] === '+' ? 1 : -1) * (Number(m[2]) * HOUR + Number(m[3]) * MINUTE) : null;
};

/** A wall-clock reading as a span of UTC instants: its precision, and every zone when it names none. */
function span(utcStart: number, precision: number, zone: string | undefined): Span | null {
  if (!Number.isFinite(utcStart)) return null;
  const offset = zoneMs(zone);
  return offset === null
    ? { from: utcStart - ANY_ZONE, to: utcStart + precision + ANY_ZONE }
    : { from: utcStart - offset, to: utcStart - offset + precision };
}

type Reader = Readonly<{ pattern: RegExp; read: (m: RegExpMatchArray) => Span | null }>;

const num = (s: string | undefined) => Number(s ?? 0);
const precise = (m: RegExpMatchArray, hour: number, seconds: number) =>
  m[hour] === undefined ? DAY : m[seconds] === undefined ? MINUTE : SECOND;

const READERS: readonly Reader[] = [
  // ISO 8601: 2024-01-01, 2024-01-01 00:00:05.123, 2024-01-01T00:00Z, 2024-01-01 00:00+0000
  {
    pattern: /(?<!\d)(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?/g,
    read: (m) =>
      span(Date.UTC(num(m[1]), num(m[2]) - 1, num(m[3]), num(m[4]), num(m[5]), num(m[6])), precise(m, 4, 6), m[7]),
  },
  // ctime, date(1), file(1), .pyc, Java's Date: "Mon Jan  1 00:00:05 2024", "Tue Dec  8 02:31:29 UTC 2026",
  // "Mon Jan 01 12:00:01 GMT+12:00 2024" (javadoc); a zone by its abbreviation ("CET") is read as any zone.
  {
    pattern: new RegExp(
      `${MON} +(\\d{1,2}) (\\d\\d):(\\d\\d):(\\d\\d)(?: ((?:UTC|GMT)(?:[+-]\\d\\d:?\\d\\d)?|[A-Z]{3,5}))? (\\d{4})`,
      'g',
    ),
    read: (m) => span(Date.UTC(num(m[7]), month(m[1]!), num(m[2]), num(m[3]), num(m[4]), num(m[5])), SECOND, m[6]),
  },
  // __DATE__ [__TIME__]: "Jan  1 2024 00:00:05", Sphinx's "Jan 01, 2024", and ar's "Jan  1 00:00 2024"
  {
    pattern: new RegExp(`${MON} +(\\d{1,2}),? (\\d{4})(?: (\\d\\d):(\\d\\d):(\\d\\d))?(?!\\d)`, 'g'),
    read: (m) =>
      span(Date.UTC(num(m[3]), month(m[1]!), num(m[2]), num(m[4]), num(m[5]), num(m[6])), precise(m, 4, 6), undefined),
  },
  {
    pattern: new RegExp(`${MON} +(\\d{1,2}) (\\d\\d):(\\d\\d) (\\d{4})`, 'g'),
    read: (m) => span(Date.UTC(num(m[5]), month(m[1]!), num(m[2]), num(m[3]), num(m[4])), MINUTE, undefined),
  },
  // RFC 2822: "Mon, 01 Jan 2024 00:00:05 +1200"
  {
    pattern: new RegExp(
      `(?<!\\d)(\\d{1,2}) ${MON} (\\d{4})(?: (\\d\\d):(\\d\\d)(?::(\\d\\d))?)?(?: ([+-]\\d{4}))?`,
      'g',
    ),
    read: (m) =>
      span(Date.UTC(num(m[3]), month(m[2]!), num(m[1]), num(m[4]), num(m[5]), num(m[6])), precise(m, 4, 6), m[7]),
  },
  // zipinfo: "24-Jan-01 00:00"
  {
    pattern: new RegExp(`(?<!\\d)(\\d\\d)-${MON}-(\\d\\d) (\\d\\d):(\\d\\d)`, 'g'),
    read: (m) => span(Date.UTC(2000 + num(m[1]), month(m[2]!), num(m[3]), num(m[4]), num(m[5])), MINUTE, undefined),
  },
  // help2man's "January 2024"
  {
    pattern: new RegExp(`(${FULL_MONTHS.join('|')}) (\\d{4})`, 'g'),
    read: (m) => {
      const start = Date.UTC(num(m[2]), FULL_MONTHS.indexOf(m[1]!), 1);
      return span(start, Date.UTC(num(m[2]), FULL_MONTHS.indexOf(m[1]!) + 1, 1) - start, undefined);
    },
  },
  // PDF: D:20240101000005
  {
    pattern: /D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/g,
    read: (m) =>
      span(Date.UTC(num(m[1]), num(m[2]) - 1, num(m[3]), num(m[4]), num(m[5]), num(m[6])), SECOND, undefined),
  },
  // A year compiled in, as a disassembly's hex immediate (GNU hello: mov $0x7e8,%edx): 1984 to 2047.
  {
    pattern: /\$0x(7[c-f][0-9a-f])(?![0-9a-f])/g,
    read: (m) => {
      const year = parseInt(m[1]!, 16);
      return span(Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1), undefined);
    },
  },
  // Epoch seconds (RPM's BUILDTIME, SOURCE_DATE_EPOCH-style stamps): 2017 to 2033.
  {
    pattern: /(?<![\d.])(1[5-9]\d{8})(?![\d.])/g,
    read: (m) => span(num(m[1]) * SECOND, SECOND, 'Z'),
  },
];

/** Every timestamp a line holds, as spans of instants. */
export function stampsIn(line: string): Span[] {
  return READERS.flatMap((r) => [...line.matchAll(r.pattern)].map(r.read)).filter((s): s is Span => s !== null);
}

const overlaps = (a: Span, b: Span) => a.from <= b.to && b.from <= a.to;

/**
 * Each side's clocks: the real clock while the check ran (`real`), and the faked
 * one from the side's time value for as long (the faked clock runs from there).
 */
export function clockSpans(builds: PerSide<BuildResult | null>, real: Span): PerSide<readonly Span[]> {
  const of = (build: BuildResult | null): Span[] => {
    const spans = [{ from: real.from - SLACK, to: real.to + SLACK }];
    const faked = Date.parse(build?.values['time'] ?? '');
    if (Number.isFinite(faked)) spans.push({ from: faked - SLACK, to: faked + (real.to - real.from) + SLACK });
    return spans;
  };
  return { control: of(builds.control), experiment: of(builds.experiment) };
}

/**
 * The lines' timestamps follow each side's clock: some removed line holds a stamp
 * in the control's clock, some added line one in the experiment's, and they differ.
 */
export function followsClocks(
  removed: readonly string[],
  added: readonly string[],
  clocks: PerSide<readonly Span[]>,
): boolean {
  const inClock = (lines: readonly string[], spans: readonly Span[]) =>
    lines.flatMap(stampsIn).filter((s) => spans.some((c) => overlaps(s, c)));
  const before = inClock(removed, clocks.control);
  const after = inClock(added, clocks.experiment);
  return before.length > 0 && after.length > 0 && removed.join('\n') !== added.join('\n');
}
