// What each variation's value looks like in a build's output: the forms builds
// really print (a path, a user name, a date in four formats and both sides' time
// zones, a file mode in an archive listing), one list per side. Pure.

export type Needle = Readonly<{
  /** e.g. "path", "YYYY-MM-DD (GMT-14)". */
  form: string;
  value: string;
  /** How specific the form is: 3 a marker or path, 2 a formatted value, 1 a bare word or number. */
  weight: number;
  pattern: RegExp;
}>;

export type SideNeedles = Readonly<{ control: readonly Needle[]; experiment: readonly Needle[] }>;

type Values = Readonly<Record<string, string>>;

// The experiment's user name, as variations/user-group.ts writes it into the private passwd.
const EXPERIMENT_USER = 'twinbuild-second';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const literal = (form: string, value: string, weight: number): Needle => ({
  form,
  value,
  weight,
  pattern: new RegExp(escape(value), 'g'),
});
/** A number or word not inside a longer one. */
const bounded = (form: string, value: string, weight: number): Needle => ({
  form,
  value,
  weight,
  pattern: new RegExp(`(?<![A-Za-z0-9_])${escape(value)}(?![A-Za-z0-9_])`, 'g'),
});
/** A whole line (for bare numbers such as nproc's). */
const wholeLine = (form: string, value: string, weight: number): Needle => ({
  form,
  value,
  weight,
  pattern: new RegExp(`^${escape(value)}$`, 'gm'),
});
const shaped = (form: string, value: string, weight: number, source: string): Needle => ({
  form,
  value,
  weight,
  pattern: new RegExp(source, 'g'),
});

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number) => String(n).padStart(2, '0');

/** POSIX TZ "GMT+12" is twelve hours behind UTC: the offset in minutes east of UTC, or null. */
export function tzOffsetMinutes(tz: string | undefined): number | null {
  const m = /^(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d\d))?$/.exec(tz ?? '');
  if (!m) return tz === 'UTC' || tz === 'GMT' ? 0 : null;
  return (m[1] === '+' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** "+1400", as `date +%z` prints the zone. */
const numericZone = (minutes: number) =>
  `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}${pad(Math.abs(minutes) % 60)}`;

/** The calendar forms of one instant in one zone (`label` names the zone in the form). */
function calendarNeedles(start: number, label: string, minutes: number): Needle[] {
  const d = new Date(start + minutes * 60_000);
  const [y, mo, day, wd] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCDay()];
  return [
    literal(`YYYY-MM-DD (${label})`, `${y}-${pad(mo + 1)}-${pad(day)}`, 2),
    literal(`RFC 2822 date (${label})`, `${DAYS[wd]}, ${pad(day)} ${MONTHS[mo]} ${y}`, 2),
    // date(1)'s default, ctime() and C's __DATE__ pad the day with a space.
    shaped(
      `date(1) / __DATE__ (${label})`,
      `${MONTHS[mo]} ${day} ${y}`,
      2,
      `${MONTHS[mo]} {1,2}${day}(?: \\d\\d:\\d\\d:\\d\\d(?: [A-Z+\\-0-9]+)?)? ${y}`,
    ),
    bounded(`year (${label})`, String(y), 1),
    // A year compiled in as a number shows in a disassembly as a hex immediate (GNU hello: mov $0x7e7,%edx).
    bounded(`year as a hex constant (${label})`, `0x${y.toString(16)}`, 1),
  ];
}

function dateNeedles(iso: string, zones: readonly (readonly [string, number])[]): Needle[] {
  const start = Date.parse(iso);
  if (Number.isNaN(start)) return [];
  const out = zones.flatMap(([zone, minutes]) => calendarNeedles(start, zone, minutes));
  // Epoch seconds: the faked clock starts at the value and runs on through the build (about 2.7 hours of seconds share this prefix).
  const seconds = String(Math.floor(start / 1000));
  out.push(shaped('epoch seconds', `${seconds.slice(0, -4)}…`, 2, `(?<!\\d)${seconds.slice(0, -4)}\\d{4}(?!\\d)`));
  return out;
}

const modeString = (mode: number, kind: '-' | 'd') =>
  kind +
  [6, 3, 0].map((shift) => ['r', 'w', 'x'].map((c, i) => ((mode >> shift) & (4 >> i) ? c : '-')).join('')).join('');

function modeNeedles(umask: string): Needle[] {
  const mask = parseInt(umask, 8);
  if (Number.isNaN(mask)) return [];
  const file = 0o666 & ~mask;
  const dir = 0o777 & ~mask;
  return [
    bounded('umask', umask, 2),
    bounded('file mode', `0${file.toString(8)}`, 2),
    bounded('file mode', file.toString(8), 1),
    bounded('directory mode', `0${dir.toString(8)}`, 2),
    // A tar header's mode field: seven octal digits.
    bounded('tar header mode', file.toString(8).padStart(7, '0'), 2),
    literal('file mode in a listing', modeString(file, '-'), 3),
    literal('directory mode in a listing', modeString(dir, 'd'), 3),
    literal('executable mode in a listing', modeString(dir, '-'), 3),
  ];
}

const pathNeedles = (value: string | undefined) => (value && value.startsWith('/') ? [literal('path', value, 3)] : []);

function userNeedles(value: string | undefined, experiment: boolean): Needle[] {
  const uid = value?.split(':')[0];
  const out: Needle[] = [];
  if (uid && uid.length >= 3) out.push(bounded('uid', uid, 2));
  if (experiment) out.push(bounded('user name', EXPERIMENT_USER, 3));
  else if (uid === '0') out.push(bounded('user name', 'root', 1));
  return out;
}

function kernelNeedles(value: string | undefined): Needle[] {
  if (!value) return [];
  const [machine, ...flags] = value.split(' ');
  const out: Needle[] = [];
  // setarch i486 makes uname -m print i686; a build may print any of the family.
  const family = /^i[3-6]86$/.test(machine ?? '') ? ['i386', 'i486', 'i586', 'i686'] : machine ? [machine] : [];
  for (const m of family) out.push(bounded('machine', m, 2));
  if (flags.includes('--uname-2.6')) out.push(shaped('kernel release', '2.6.x', 2, '(?<![\\d.])2\\.6\\.\\d+'));
  return out;
}

function jobNeedles(value: string | undefined): Needle[] {
  if (!value || !/^\d+$/.test(value)) return [];
  return [
    literal('make flag', `-j${value}`, 2),
    literal('jobs option', `--jobs=${value}`, 2),
    literal('parallel option', `parallel=${value}`, 2),
    wholeLine('number on a line of its own', value, 1),
  ];
}

const countLine = (value: string | undefined) => {
  const n = value?.split(' ')[0];
  return n && /^\d+$/.test(n) ? [wholeLine('number on a line of its own', n, 1)] : [];
};

/** The PATH entries the experiment adds. */
const addedEntries = (control: string | undefined, experiment: string | undefined) => {
  const known = new Set((control ?? '').split(':'));
  return (experiment ?? '').split(':').filter((e) => e && !known.has(e));
};

/** Both sides' needles for one variation (forms whose text is the same on both sides are dropped). */
export function needlesFor(variation: string, control: Values, experiment: Values): SideNeedles {
  const c = control[variation];
  const e = experiment[variation];
  const zones = (values: Values): [string, number][] => {
    const minutes = tzOffsetMinutes(values['timezone']);
    return minutes === null || minutes === 0
      ? [['UTC', 0]]
      : [
          ['UTC', 0],
          [values['timezone']!, minutes],
        ];
  };
  let pair: { control: Needle[]; experiment: Needle[] };
  switch (variation) {
    case 'build_path':
    case 'home':
      pair = { control: pathNeedles(c), experiment: pathNeedles(e) };
      break;
    case 'user_group':
      pair = { control: userNeedles(c, false), experiment: userNeedles(e, true) };
      break;
    case 'gecos': {
      // A one-word full name ("root", as root's passwd entry has) is as likely a user name or a path's part (/root).
      const first = (v: string | undefined) => {
        const name = v?.split(',')[0] ?? '';
        if (name.length < 3) return [];
        return [name.includes(' ') ? literal('full name', name, 3) : bounded('full name', name, 1)];
      };
      pair = { control: first(c), experiment: first(e) };
      break;
    }
    case 'domain_host':
      pair = {
        control: [],
        experiment: (e ?? '')
          .split(' / ')
          .filter(Boolean)
          .map((name) => literal('host or domain name', name, 3)),
      };
      break;
    case 'time': {
      // A date is printed in UTC or in the zone the build ran in: both sides' zones.
      const all = [...zones(control), ...zones(experiment)].filter(([z], i, a) => a.findIndex(([y]) => y === z) === i);
      pair = { control: c ? dateNeedles(c, all) : [], experiment: e ? dateNeedles(e, all) : [] };
      break;
    }
    case 'timezone': {
      // What the zone alone changes: its name and offset, and the control's clock read in
      // each side's zone (a date near midnight, or a year near New Year, that the zone moves).
      const start = Date.parse(control['time'] ?? '');
      const forms = (v: string | undefined) => {
        const minutes = tzOffsetMinutes(v);
        const out = v ? [literal('TZ', v, 3)] : [];
        if (minutes !== null)
          out.push(
            bounded('UTC offset', numericZone(minutes), 2),
            literal('UTC offset', `${numericZone(minutes).slice(0, 3)}:${numericZone(minutes).slice(3)}`, 2),
          );
        if (minutes !== null && !Number.isNaN(start)) out.push(...calendarNeedles(start, "the build's zone", minutes));
        return out;
      };
      pair = { control: forms(c), experiment: forms(e) };
      break;
    }
    case 'umask':
      pair = { control: c ? modeNeedles(c) : [], experiment: e ? modeNeedles(e) : [] };
      break;
    case 'locales': {
      const forms = (v: string | undefined) =>
        v ? [literal('locale', v, 3), ...(v.includes('_') ? [bounded('language', v.split('.')[0]!, 2)] : [])] : [];
      pair = { control: forms(c), experiment: forms(e) };
      break;
    }
    case 'exec_path':
      pair = { control: [], experiment: addedEntries(c, e).map((entry) => literal('PATH entry', entry, 3)) };
      break;
    case 'environment':
      pair = {
        control: [],
        experiment: (e ?? '')
          .split(',')
          .filter(Boolean)
          .map((name) => bounded('variable', name, 3)),
      };
      break;
    case 'kernel':
      pair = { control: kernelNeedles(c), experiment: kernelNeedles(e) };
      break;
    case 'build_jobs':
      pair = { control: jobNeedles(c), experiment: jobNeedles(e) };
      break;
    case 'num_cpus':
    case 'niceness':
      pair = { control: countLine(c), experiment: countLine(e) };
      break;
    case 'shell':
      pair = { control: c ? [bounded('shell', c, 1)] : [], experiment: e ? [bounded('shell', e, 1)] : [] };
      break;
    default:
      pair = { control: [], experiment: [] };
  }
  // A form printed the same on both sides shows nothing (e.g. the year when both dates share it).
  const other = (mine: Needle[], theirs: Needle[]) =>
    mine.filter((n) => !theirs.some((t) => t.form === n.form && t.value === n.value));
  return { control: other(pair.control, pair.experiment), experiment: other(pair.experiment, pair.control) };
}
