import { expect } from 'chai';
import { TwinbuildError } from '../../core/errors.js';
import { VARIATION_NAMES } from '../../variations/index.js';
import { parseVarySpecs } from '../../variations/spec.js';

const errorOf = (fn: () => unknown): TwinbuildError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TwinbuildError) return error;
    throw error;
  }
  throw new Error('expected a TwinbuildError');
};

describe('variations/spec: reprotest-compatible --vary', function () {
  it('enables everything by default, none of it explicitly', () => {
    const spec = parseVarySpecs([]);
    expect(spec.enabled).to.deep.equal(VARIATION_NAMES);
    expect(spec.explicit).to.deep.equal([]);
  });

  it('removes one with -name and keeps registry order', () => {
    expect(parseVarySpecs(['-time']).enabled).to.deep.equal(VARIATION_NAMES.filter((n) => n !== 'time'));
  });

  it('-all,+a,+b enables just those, explicitly, in registry order', () => {
    const spec = parseVarySpecs(['-all,+umask,+environment']);
    expect(spec.enabled).to.deep.equal(['environment', 'umask']);
    expect(spec.explicit).to.deep.equal(['environment', 'umask']);
  });

  it('treats a bare name as +name and applies repeated --vary flags in order', () => {
    expect(parseVarySpecs(['-all', 'home', '+locales,-home']).enabled).to.deep.equal(['locales']);
  });

  it('@name resets a variation to its default (enabled, no options)', () => {
    const spec = parseVarySpecs(['environment.variables+=A=1', '-environment', '@environment']);
    expect(spec.enabled).to.include('environment');
    expect(spec.options['environment']).to.equal(undefined);
  });

  it('collects dotted options with =, += and -=, and enables the variation', () => {
    const spec = parseVarySpecs([
      '-all',
      'environment.variables+=FOO=bar',
      'environment.variables+=X=1,environment.variables-=X=1',
    ]);
    expect(spec.enabled).to.deep.equal(['environment']);
    expect(spec.explicit).to.deep.equal(['environment']);
    expect(spec.options['environment']).to.deep.equal({ variables: ['FOO=bar'] });
    expect(parseVarySpecs(['environment.variables=A=1']).options['environment']).to.deep.equal({ variables: ['A=1'] });
  });

  it('rejects unknown variations and options with exit code 2 and a message naming them', () => {
    const unknown = errorOf(() => parseVarySpecs(['+colour']));
    expect(unknown.exitCode).to.equal(2);
    expect(unknown.message).to.match(/unknown variation "colour"/);
    const option = errorOf(() => parseVarySpecs(['umask.level=1']));
    expect(option.exitCode).to.equal(2);
    expect(option.message).to.match(/umask has no option "level"/);
    expect(errorOf(() => parseVarySpecs(['+'])).message).to.match(/missing a variation name/);
    expect(errorOf(() => parseVarySpecs(['environment.variables+='])).message).to.match(/missing a value/);
  });
});
