// Real builds that each show one known issue type, for the diagnosis tests: one
// small package whose build makes every artifact below in well under a second,
// each artifact leaking one thing only (its other metadata pinned).
export type IssueFixture = Readonly<{
  artifact: string;
  /** The type ids expected for it, and nothing else. */
  types: readonly string[];
  /** Words the fix must name. */
  fix: RegExp;
  script: string;
  /** A tool the build needs (skipped with a reason when absent). */
  needs?: string;
}>;

// A file stamped with the build's (faked) clock, with fixed modes.
const stamped = (path: string) => `chmod 644 ${path}; touch -d "@$(date +%s)" ${path}`;

export const ISSUE_FIXTURES: readonly IssueFixture[] = [
  {
    artifact: 'out/f.gz',
    types: ['timestamps_in_gzip_headers'],
    fix: /gzip -n/,
    script: `echo hello > g.txt; ${stamped('g.txt')}; gzip -c g.txt > out/f.gz`,
  },
  {
    artifact: 'out/mtime.tar',
    types: ['timestamps_in_tar'],
    fix: /--mtime=@\$SOURCE_DATE_EPOCH/,
    script:
      `mkdir -p tm; echo a > tm/a; ${stamped('tm/a')}; chmod 755 tm; touch -d @0 tm; ` +
      'tar --sort=name --owner=0 --group=0 --numeric-owner -cf out/mtime.tar tm',
  },
  {
    artifact: 'out/modes.tar',
    types: ['file_modes_from_umask'],
    fix: /umask 022/,
    script:
      'mkdir -p tu; echo a > tu/a; touch -d @0 tu/a tu; ' +
      'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/modes.tar tu',
  },
  {
    artifact: 'out/stamps.zip',
    types: ['timestamps_in_zip'],
    fix: /strip-nondeterminism/,
    needs: 'zip',
    script: `mkdir -p tz; echo a > tz/a; echo b > tz/b; ${stamped('tz/a tz/b')}; (cd tz && zip -q -X ../out/stamps.zip a b)`,
  },
  {
    artifact: 'out/cdate',
    types: ['timestamps_from_cpp_macros'],
    fix: /SOURCE_DATE_EPOCH/,
    needs: 'gcc',
    script:
      `printf '#include <stdio.h>\\nint main(void){puts(__DATE__ " " __TIME__);return 0;}\\n' > cdate.c; ` +
      'gcc -O0 -g0 -Wno-date-time -o out/cdate cdate.c',
  },
  {
    artifact: 'out/g.o',
    types: ['captures_build_path_in_debug_info'],
    fix: /-ffile-prefix-map/,
    needs: 'gcc',
    script: `mkdir -p gsrc; printf 'int g(void){return 42;}\\n' > gsrc/g.c; gcc -g -c gsrc/g.c -o out/g.o`,
  },
  {
    artifact: 'out/m.pyc',
    types: ['timestamps_in_pyc'],
    fix: /checked-hash/,
    needs: 'python3',
    script:
      `printf 'def f():\\n    return 1\\n' > m.py; ${stamped('m.py')}; ` +
      `python3 -c "import py_compile; py_compile.compile('m.py', cfile='out/m.pyc', dfile='m.py')"`,
  },
  {
    artifact: 'out/tool.1',
    types: ['timestamps_in_manpages_generated_by_help2man'],
    fix: /help2man/,
    needs: 'help2man',
    script:
      `printf '#!/bin/sh\\ncase "$1" in --help) echo "Usage: tool";; --version) echo "tool 1.0";; esac\\n' > tool; ` +
      'chmod +x tool; help2man -N ./tool -o out/tool.1',
  },
  {
    artifact: 'out/x.1',
    types: ['timestamps_in_manpages_generated_by_pod2man'],
    fix: /pod2man/,
    needs: 'pod2man',
    script: `printf '=head1 NAME\\n\\nx - y\\n' > x.pod; ${stamped('x.pod')}; pod2man --center=x x.pod out/x.1`,
  },
  {
    artifact: 'out/p.pot',
    types: ['timestamps_in_pot_files'],
    fix: /POT-Creation-Date/,
    needs: 'xgettext',
    script: `printf 'const char *s(void){return gettext("Hello");}\\n' > p.c; xgettext -kgettext -o out/p.pot p.c`,
  },
  {
    artifact: 'out/sorted.txt',
    types: ['locale_dependent_order'],
    fix: /LC_ALL=C/,
    script: `printf 'zeta\\nalpha\\nBeta\\ngamma\\nDelta\\n' | sort > out/sorted.txt`,
  },
  {
    artifact: 'out/host.txt',
    types: ['captures_hostname'],
    fix: /hostname/,
    script: 'hostname > out/host.txt',
  },
  {
    artifact: 'out/home.txt',
    types: ['captures_home_dir'],
    fix: /HOME/,
    script: 'echo "cache in $HOME/.cache" > out/home.txt',
  },
  {
    artifact: 'out/built.txt',
    types: ['build_date_in_text'],
    fix: /SOURCE_DATE_EPOCH/,
    script: 'echo "built $(date -u +%Y-%m-%d)" > out/built.txt',
  },
  {
    artifact: 'out/libh.a',
    types: ['timestamps_in_static_libraries'],
    fix: /ar rcsD/,
    needs: 'gcc',
    script:
      `printf 'int h(void){return 1;}\\n' > h.c; gcc -c h.c -o h.o; ${stamped('h.o')}; ` +
      'ar rcU out/libh.a h.o 2>/dev/null',
  },
];
