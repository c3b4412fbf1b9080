// reprotest's --vary forms that twinbuild gives a meaning of its own: the option
// is read as enabling its variation, and a note says what twinbuild does instead.
// `--variations=SPEC` starts from nothing, as reprotest's does; `--vary` from all.

/** reprotest options twinbuild accepts without their exact effect, and what it does instead. */
const READ_AS_ENABLED: Readonly<Record<string, string>> = {
  'user_group.available':
    "twinbuild runs the experiment as its own unprivileged uid/gid (20000..29999, by seed, in its sandbox's user " +
    'namespace), not as an existing account',
  'time.faketimes':
    "twinbuild moves the experiment's clock 180..540 days ahead by seed (replay with --seed), not to a given time",
  'time.auto_faketimes': "twinbuild moves the experiment's clock 180..540 days ahead by seed (replay with --seed)",
  'domain_host.use_sudo': 'twinbuild sets the hostname and domain name in a private UTS namespace; no sudo is needed',
};

export type TranslatedVary = Readonly<{ specs: string[] | null; notes: string[] }>;

/** The --variations and --vary values as twinbuild specs (null: neither given), with a note per reprotest option read loosely. */
export function translateReprotestVary(
  variations: readonly string[] | undefined,
  vary: readonly string[] | undefined,
): TranslatedVary {
  if (!variations?.length && !vary?.length) return { specs: null, notes: [] };
  const notes: string[] = [];
  const translate = (spec: string) =>
    spec
      .split(',')
      .map((action) => {
        const option = /^\s*([a-z_]+\.[a-z_]+)\s*(\+=|-=|=)/.exec(action)?.[1];
        const instead = option ? READ_AS_ENABLED[option] : undefined;
        if (!option || !instead) return action;
        notes.push(`--vary ${action.trim()}: read as +${option.split('.')[0]} (${instead})`);
        return `+${option.split('.')[0]}`;
      })
      .join(',');
  // reprotest: the last --variations is the zeroth --vary value, applied to nothing varied.
  const base = variations?.length ? ['-all', translate(variations[variations.length - 1]!)] : [];
  return { specs: [...base, ...(vary ?? []).map(translate)], notes };
}
