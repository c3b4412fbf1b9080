import { expect } from 'chai';
import { join } from 'node:path';
import { check, cleanupTemp, EXAMPLES, runCli } from '../../helpers.js';

type Row = { name: string; available: boolean; values: { control: string | null; experiment: string | null } };
const listing = async (seed: string) =>
  JSON.parse((await runCli(['variations', '--json', '--seed', seed], { withOut: false })).stdout) as {
    seed: number;
    variations: Row[];
  };
const valuesOf = (rows: Row[], names: string[]) =>
  rows.filter((r) => names.includes(r.name)).map((r) => r.values.experiment);

const SEEDED = ['kernel', 'num_cpus', 'user_group', 'time', 'locales', 'build_jobs'];

describe('twinbuild variations', function () {
  after(cleanupTemp);

  it('lists every variation with availability and the values for a seed, the same every time', async () => {
    const [a, b] = [await listing('4242'), await listing('4242')];
    expect(a.seed).to.equal(4242);
    expect(a.variations).to.have.length(18);
    expect(valuesOf(a.variations, SEEDED)).to.deep.equal(valuesOf(b.variations, SEEDED));
    expect(a.variations.find((r) => r.name === 'umask')?.values).to.deep.equal({ control: '0022', experiment: '0002' });
  });

  it('draws other values for another seed', async () => {
    const [a, b] = [await listing('1'), await listing('2')];
    expect(a.variations.find((r) => r.name === 'time')?.values.experiment).not.to.equal(
      b.variations.find((r) => r.name === 'time')?.values.experiment,
    );
  });

  it('replays a check: the same seed gives each side the same concrete values', async () => {
    const runs = [
      await check(join(EXAMPLES, 'reproducible'), '--seed', '99'),
      await check(join(EXAMPLES, 'reproducible'), '--seed', '99'),
    ];
    const [first, second] = await Promise.all(
      runs.map(async (r) => (await r.results()).packages[0]!.builds.experiment!.values),
    );
    const stable = (values: Record<string, string>) => Object.fromEntries(SEEDED.map((n) => [n, values[n]]));
    expect(stable(second!)).to.deep.equal(stable(first!));
    expect(first!['time']).to.match(/^\d{4}-\d\d-\d\dT/);
  });
});
