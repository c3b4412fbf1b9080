// Real builds that each show one known issue type, for the diagnosis tests: one
// small package whose build makes every artifact below in a few seconds, each
// artifact leaking one thing only (its other metadata pinned). A fixture whose type
// shows only with other check arguments (`args`) is built in a package of its own.
// Every tool in `needs` is in scripts/debian-packages.txt: under CI=true a missing one fails.
// Types no fixture builds here are listed in docs/diagnosis.md with the reason.
export type IssueFixture = Readonly<{
  artifact: string;
  /** The type ids expected for it, and nothing else. */
  types: readonly string[];
  /** Words the fix must name. */
  fix: RegExp;
  script: string;
  /** The same build with the fix applied: reproducible (none for a type whose fix is to leave the value out). */
  fixed?: string;
  /** Tools the build (or diffoscope, to read the artifact) needs: skipped with a reason when absent. */
  needs?: readonly string[];
  /** The check's arguments, when not DEFAULT_ARGS. */
  args?: readonly string[];
}>;

// A file stamped with the build's (faked) clock, with fixed modes.
const stamped = (path: string) => `chmod 644 ${path}; touch -d "@$(date +%s)" ${path}`;
// Files with fixed contents, modes and times, made in an order that is not the byte order
// (a listing in creation order must not pass for a sorted one).
// The fixed builds' date: the last change's, not the clock's.
const SDE = 'export SOURCE_DATE_EPOCH=1704067200; ';
const unsorted = (dir: string, suffix = '') =>
  `mkdir -p ${dir}; for f in h d a f c g e b; do echo $f > ${dir}/$f${suffix}; done; ` +
  `chmod 644 ${dir}/*; chmod 755 ${dir}; touch -d @0 ${dir} ${dir}/*`;

// A noarch RPM whose payload is pinned (owner, mode, time, compiler flags): its header
// still records the build's clock and host.
const RPM_SPEC = [
  'Name: hi',
  'Version: 1.0',
  'Release: 1',
  'Summary: s',
  'License: MIT',
  'BuildArch: noarch',
  'Source0: hi.sh',
  'AutoReq: no',
  '%description',
  'd',
  '%install',
  'install -D -m 0755 %{SOURCE0} %{buildroot}/usr/bin/hi',
  'touch -d @0 %{buildroot}/usr/bin/hi',
  '%files',
  '%defattr(-,root,root,-)',
  '/usr/bin/hi',
  '%changelog',
  '* Mon Jan 01 2024 T <t@example.org> - 1.0-1',
  '- i',
].join('\n');

// A binary built with the year given, and its debug file in a tree as a -dbgsym
// package lays it out (usr/lib/debug/.build-id/xx/rest.debug), packed with fixed metadata.
const DBGSYM_SCRIPT = (year: string) =>
  "printf 'int main(void){return YEAR;}\\n' > yb.c; " +
  `gcc -O0 -g -ffile-prefix-map=$PWD=. -DYEAR=${year} -o yb yb.c; ` +
  "id=$(LC_ALL=C readelf -n yb | sed -n 's/.*Build ID: //p'); d=dbg/usr/lib/debug/.build-id/$(echo $id | cut -c1-2); " +
  'mkdir -p $d; objcopy --only-keep-debug yb $d/$(echo $id | cut -c3-).debug; chmod -R u=rwX,go=rX dbg; ' +
  'find dbg -exec touch -h -d @0 {} +; tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C dbg -cf out/dbgsym.tar .';

// A .buildinfo as dpkg-genbuildinfo writes it for a one-binary source package.
const BUILDINFO_SCRIPT =
  'mkdir -p bi/debian; ' +
  "printf 'demo (1.0-1) unstable; urgency=low\\n\\n  * Initial.\\n\\n' > bi/debian/changelog; " +
  "printf ' -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\\n' >> bi/debian/changelog; " +
  "printf 'Source: demo\\nMaintainer: T <t@example.org>\\n\\n' > bi/debian/control; " +
  "printf 'Package: demo\\nArchitecture: all\\nDescription: d\\n d\\n' >> bi/debian/control; " +
  "echo 'demo_1.0-1_all.deb misc optional' > bi/debian/files; echo deb > demo_1.0-1_all.deb; " +
  '(cd bi && dpkg-genbuildinfo --build=all -O../out/demo.buildinfo)';

/** Every variation, no bisect: the diagnosis reads each artifact's shape. */
export const DEFAULT_ARGS: readonly string[] = ['--vary=+all', '--no-bisect'];

const HASH_ORDER =
  "perl -e 'my %h = map { $_ => 1 } qw(alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima); " +
  'print "$_\\n" for keys %h\'';

export const ISSUE_FIXTURES: readonly IssueFixture[] = [
  {
    artifact: 'out/f.gz',
    types: ['timestamps_in_gzip_headers'],
    fix: /gzip -n/,
    script: `echo hello > g.txt; ${stamped('g.txt')}; gzip -c g.txt > out/f.gz`,
    fixed: `echo hello > g.txt; ${stamped('g.txt')}; gzip -n -c g.txt > out/f.gz`,
  },
  {
    artifact: 'out/mtime.tar',
    types: ['timestamps_in_tar'],
    fix: /--mtime=@\$SOURCE_DATE_EPOCH/,
    script:
      `mkdir -p tm; echo a > tm/a; ${stamped('tm/a')}; chmod 755 tm; touch -d @0 tm; ` +
      'tar --sort=name --owner=0 --group=0 --numeric-owner -cf out/mtime.tar tm',
    fixed:
      `mkdir -p tm; echo a > tm/a; ${stamped('tm/a')}; chmod 755 tm; touch -d @0 tm; ${SDE}` +
      'tar --sort=name --mtime=@$SOURCE_DATE_EPOCH --clamp-mtime --owner=0 --group=0 --numeric-owner -cf out/mtime.tar tm',
  },
  {
    artifact: 'out/modes.tar',
    types: ['file_modes_from_umask'],
    fix: /umask 022/,
    script:
      'mkdir -p tu; echo a > tu/a; touch -d @0 tu/a tu; ' +
      'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/modes.tar tu',
    fixed:
      'umask 022; mkdir -p tu; echo a > tu/a; touch -d @0 tu/a tu; ' +
      'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/modes.tar tu',
  },
  {
    artifact: 'out/stamps.zip',
    types: ['timestamps_in_zip'],
    fix: /TZ=UTC/,
    needs: ['zip'],
    script: `mkdir -p tz; echo a > tz/a; echo b > tz/b; ${stamped('tz/a tz/b')}; (cd tz && zip -q -X ../out/stamps.zip a b)`,
    fixed:
      `mkdir -p tz; echo a > tz/a; echo b > tz/b; chmod 644 tz/a tz/b; ${SDE}touch -d @$SOURCE_DATE_EPOCH tz/a tz/b; ` +
      '(cd tz && TZ=UTC0 zip -q -X ../out/stamps.zip a b)',
  },
  {
    artifact: 'out/cdate',
    types: ['timestamps_from_cpp_macros'],
    fix: /SOURCE_DATE_EPOCH/,
    needs: ['gcc'],
    script:
      `printf '#include <stdio.h>\\nint main(void){puts(__DATE__ " " __TIME__);return 0;}\\n' > cdate.c; ` +
      'gcc -O0 -g0 -Wno-date-time -o out/cdate cdate.c',
    fixed:
      `${SDE}printf '#include <stdio.h>\\nint main(void){puts(__DATE__ " " __TIME__);return 0;}\\n' > cdate.c; ` +
      'gcc -O0 -g0 -Wno-date-time -o out/cdate cdate.c',
  },
  {
    // GNU hello's copyright year: autoconf's m4_esyscmd([date +%Y]), compiled in as a number.
    artifact: 'out/year',
    types: ['build_year_compiled_in'],
    fix: /date -u -d "@\$SOURCE_DATE_EPOCH" \+%Y/,
    needs: ['gcc'],
    script:
      `printf '#include <stdio.h>\\nint main(void){printf("(C) %%d\\\\n", YEAR);return 0;}\\n' > year.c; ` +
      'gcc -O0 -g0 -DYEAR=$(date +%Y) -o out/year year.c',
    fixed:
      `${SDE}printf '#include <stdio.h>\\nint main(void){printf("(C) %%d\\\\n", YEAR);return 0;}\\n' > year.c; ` +
      'gcc -O0 -g0 -DYEAR=$(date -u -d @$SOURCE_DATE_EPOCH +%Y) -o out/year year.c',
  },
  {
    // A -dbgsym package's tree: its .debug file is named by the build-id of a binary
    // that records the year, so only build-ids differ in it (GNU hello's -dbgsym .deb).
    artifact: 'out/dbgsym.tar',
    types: ['build_id_differences_only'],
    fix: /-dbgsym/,
    needs: ['gcc'],
    script: DBGSYM_SCRIPT('$(date +%Y)'),
    fixed: SDE + DBGSYM_SCRIPT('$(date -u -d @$SOURCE_DATE_EPOCH +%Y)'),
  },
  {
    artifact: 'out/g.o',
    types: ['captures_build_path_in_debug_info'],
    fix: /-ffile-prefix-map/,
    needs: ['gcc'],
    script: `mkdir -p gsrc; printf 'int g(void){return 42;}\\n' > gsrc/g.c; gcc -g -c gsrc/g.c -o out/g.o`,
    fixed: `mkdir -p gsrc; printf 'int g(void){return 42;}\\n' > gsrc/g.c; gcc -g -ffile-prefix-map=$PWD=. -c gsrc/g.c -o out/g.o`,
  },
  {
    artifact: 'out/m.pyc',
    types: ['timestamps_in_pyc'],
    fix: /checked-hash/,
    needs: ['python3'],
    // -d: the installed path, not the build's, goes into the bytecode.
    script:
      `mkdir -p pym; printf 'def f():\\n    return 1\\n' > pym/m.py; ${stamped('pym/m.py')}; ` +
      'python3 -m compileall -q -d /usr/lib/python3/dist-packages pym; cp pym/__pycache__/m.*.pyc out/m.pyc',
    fixed:
      `mkdir -p pym; printf 'def f():\\n    return 1\\n' > pym/m.py; ${stamped('pym/m.py')}; ` +
      'python3 -m compileall -q --invalidation-mode checked-hash -d /usr/lib/python3/dist-packages pym; ' +
      'cp pym/__pycache__/m.*.pyc out/m.pyc',
  },
  {
    artifact: 'out/tool.1',
    types: ['timestamps_in_manpages_generated_by_help2man'],
    fix: /help2man/,
    needs: ['help2man'],
    script:
      `printf '#!/bin/sh\\ncase "$1" in --help) echo "Usage: tool";; --version) echo "tool 1.0";; esac\\n' > tool; ` +
      'chmod +x tool; help2man -N ./tool -o out/tool.1',
    fixed:
      `${SDE}printf '#!/bin/sh\\ncase "$1" in --help) echo "Usage: tool";; --version) echo "tool 1.0";; esac\\n' > tool; ` +
      'chmod +x tool; help2man -N ./tool -o out/tool.1',
  },
  {
    artifact: 'out/x.1',
    types: ['timestamps_in_manpages_generated_by_pod2man'],
    fix: /pod2man/,
    needs: ['pod2man'],
    script: `printf '=head1 NAME\\n\\nx - y\\n' > x.pod; ${stamped('x.pod')}; pod2man --center=x x.pod out/x.1`,
    fixed: `${SDE}printf '=head1 NAME\\n\\nx - y\\n' > x.pod; ${stamped('x.pod')}; pod2man --center=x x.pod out/x.1`,
  },
  {
    artifact: 'out/p.pot',
    types: ['timestamps_in_pot_files'],
    fix: /POT-Creation-Date/,
    needs: ['xgettext'],
    script: `printf 'const char *s(void){return gettext("Hello");}\\n' > p.c; xgettext -kgettext -o out/p.pot p.c`,
    fixed:
      `printf 'const char *s(void){return gettext("Hello");}\\n' > p.c; xgettext -kgettext -o out/p.pot p.c; ` +
      `sed -i '/^"POT-Creation-Date:/d' out/p.pot`,
  },
  {
    artifact: 'out/sorted.txt',
    types: ['locale_dependent_order'],
    fix: /LC_ALL=C/,
    script: `printf 'zeta\\nalpha\\nBeta\\ngamma\\nDelta\\n' | sort > out/sorted.txt`,
    fixed: `printf 'zeta\\nalpha\\nBeta\\ngamma\\nDelta\\n' | LC_ALL=C sort > out/sorted.txt`,
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
    fixed: `${SDE}echo "built $(date -u -d @$SOURCE_DATE_EPOCH +%Y-%m-%d)" > out/built.txt`,
  },
  {
    artifact: 'out/libh.a',
    types: ['timestamps_in_static_libraries'],
    fix: /ar rcsD/,
    needs: ['gcc'],
    script:
      `printf 'int h(void){return 1;}\\n' > h.c; gcc -c h.c -o h.o; ${stamped('h.o')}; ` +
      'ar rcU out/libh.a h.o 2>/dev/null',
    fixed: `printf 'int h(void){return 1;}\\n' > h.c; gcc -c h.c -o h.o; ${stamped('h.o')}; ar rcsD out/libh.a h.o`,
  },
  {
    artifact: 'out/owner.tar',
    types: ['users_and_groups_in_tar'],
    fix: /--owner=0 --group=0 --numeric-owner/,
    script:
      'mkdir -p to; echo a > to/a; chmod 644 to/a; chmod 755 to; touch -d @0 to/a to; tar --sort=name --mtime=@0 -cf out/owner.tar to',
    fixed:
      'mkdir -p to; echo a > to/a; chmod 644 to/a; chmod 755 to; touch -d @0 to/a to; ' +
      'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/owner.tar to',
  },
  {
    artifact: 'out/order.tar',
    types: ['random_order_in_tar'],
    fix: /--sort=name/,
    script: `${unsorted('tr')}; tar --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/order.tar tr`,
    fixed: `${unsorted('tr')}; tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf out/order.tar tr`,
  },
  {
    artifact: 'out/order.zip',
    types: ['random_order_in_zip'],
    fix: /sort \| zip/,
    needs: ['zip'],
    // zip stores local times: UTC, so the time zone does not show.
    script: `${unsorted('zr')}; TZ=UTC0 zip -q -r -X -D out/order.zip zr`,
    fixed: `${unsorted('zr')}; find zr -type f | LC_ALL=C sort | TZ=UTC0 zip -q -X -@ out/order.zip`,
  },
  {
    artifact: 'out/sources.list',
    types: ['random_order_in_generated_list'],
    fix: /sorted\(os\.listdir\(\)\)/,
    script: `${unsorted('gl', '.c')}; find gl -name '*.c' > out/sources.list`,
    fixed: `${unsorted('gl', '.c')}; find gl -name '*.c' | LC_ALL=C sort > out/sources.list`,
  },
  {
    artifact: 'out/keys.txt',
    types: ['random_hash_order'],
    fix: /sort keys %h/,
    needs: ['perl'],
    // Perl orders a hash's keys by a seed of its own each run: in another order with the directory order
    // varied too, it also looks like random_order_in_generated_list. Bisect's rebuild with nothing varied
    // differs too, so no variation is blamed.
    args: ['--vary=+all'],
    script: `${HASH_ORDER} > out/keys.txt`,
    fixed: `${HASH_ORDER.replace('keys %h', 'sort keys %h')} > out/keys.txt`,
  },
  {
    artifact: 'out/keys-unvaried.txt',
    types: ['random_hash_order'],
    fix: /sort keys %h/,
    needs: ['perl'],
    // Without bisect: the directory order held fixed is no explanation.
    args: ['--vary=+all,-fileordering', '--no-bisect'],
    script: `${HASH_ORDER} > out/keys-unvaried.txt`,
  },
  {
    artifact: 'out/a.jar',
    types: ['timestamps_in_jar'],
    fix: /jar --date/,
    needs: ['zip'],
    // A jar packed with zip (no JDK here): a zip named .jar, with a manifest.
    script:
      "mkdir -p jz/META-INF; printf 'Manifest-Version: 1.0\\n' > jz/META-INF/MANIFEST.MF; printf '\\312\\376\\272\\276' > jz/A.class; " +
      `${stamped('jz/META-INF/MANIFEST.MF jz/A.class')}; (cd jz && zip -q -X ../out/a.jar META-INF/MANIFEST.MF A.class)`,
    fixed:
      "mkdir -p jz/META-INF; printf 'Manifest-Version: 1.0\\n' > jz/META-INF/MANIFEST.MF; printf '\\312\\376\\272\\276' > jz/A.class; " +
      `chmod 644 jz/META-INF/MANIFEST.MF jz/A.class; ${SDE}touch -d @$SOURCE_DATE_EPOCH jz/META-INF/MANIFEST.MF jz/A.class; ` +
      '(cd jz && TZ=UTC0 zip -q -X ../out/a.jar META-INF/MANIFEST.MF A.class)',
  },
  {
    artifact: 'out/path.txt',
    types: ['captures_build_path'],
    fix: /-ffile-prefix-map/,
    script: `printf '#define SRCDIR "%s"\\n' "$(pwd)" > out/path.txt`,
  },
  {
    artifact: 'out/bid',
    types: ['build_id_differences_only'],
    fix: /-dbgsym/,
    needs: ['gcc'],
    // The build path is in the debug info the build-id was computed over, then stripped.
    script:
      "printf 'int main(void){return 0;}\\n' > bid.c; gcc -O2 -g -Wl,--build-id=sha1 -o bid.dbg bid.c; " +
      'objcopy --strip-debug bid.dbg out/bid',
    fixed:
      "printf 'int main(void){return 0;}\\n' > bid.c; gcc -O2 -g -ffile-prefix-map=$PWD=. -Wl,--build-id=sha1 -o bid.dbg bid.c; " +
      'objcopy --strip-debug bid.dbg out/bid',
  },
  {
    artifact: 'out/kernel.txt',
    types: ['captures_kernel_version'],
    fix: /uname -r/,
    script: 'echo "built on $(uname -r) $(uname -m)" > out/kernel.txt',
  },
  {
    artifact: 'out/user.txt',
    types: ['captures_username'],
    fix: /whoami/,
    script: 'echo "packed by $(id -un)" > out/user.txt',
  },
  {
    artifact: 'out/env.txt',
    types: ['captures_environment'],
    fix: /\$PATH/,
    script: 'echo "configured with PATH=$PATH" > out/env.txt',
  },
  {
    artifact: 'out/tz.txt',
    types: ['date_in_local_timezone'],
    fix: /date -u/,
    script: `echo "released $(date -d @0 '+%F %T %z')" > out/tz.txt`,
    fixed: `echo "released $(date -u -d @0 '+%F %T %z')" > out/tz.txt`,
  },
  {
    artifact: 'out/tool.8',
    types: ['timestamps_in_manpages'],
    fix: /SOURCE_DATE_EPOCH/,
    script: `printf '.TH TOOL 8 "%s" "tool 1.0"\\n.SH NAME\\ntool \\\\- does things\\n' "$(date +%F)" > out/tool.8`,
    fixed:
      `${SDE}printf '.TH TOOL 8 "%s" "tool 1.0"\\n.SH NAME\\ntool \\\\- does things\\n' ` +
      '"$(date -u -d @$SOURCE_DATE_EPOCH +%F)" > out/tool.8',
  },
  {
    artifact: 'out/t2.1',
    types: ['timestamps_in_manpages_generated_by_txt2man'],
    fix: /txt2man/,
    needs: ['txt2man'],
    script:
      "printf 'NAME\\n  t2 - a tool\\nDESCRIPTION\\n  It does things.\\n' > t2.txt; txt2man -t t2 -s 1 t2.txt > out/t2.1",
    fixed: `${SDE}printf 'NAME\\n  t2 - a tool\\nDESCRIPTION\\n  It does things.\\n' > t2.txt; txt2man -t t2 -s 1 t2.txt > out/t2.1`,
  },
  {
    artifact: 'out/p.pdf',
    types: ['timestamps_in_pdf'],
    fix: /SOURCE_DATE_EPOCH/,
    // cairo dates the PDF; diffoscope reads it with pdftotext and pypdf (python3-pypdf).
    needs: ['rsvg-convert', 'pdftotext'],
    script:
      `printf '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="10" height="10"/></svg>\\n' > p.svg; ` +
      'rsvg-convert -f pdf -o out/p.pdf p.svg',
    fixed:
      `${SDE}printf '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="10" height="10"/></svg>\\n' > p.svg; ` +
      'rsvg-convert -f pdf -o out/p.pdf p.svg',
  },
  {
    artifact: 'out/hi.rpm',
    types: ['rpm_buildhost', 'rpm_buildtime'],
    fix: /%_buildhost/,
    needs: ['rpmbuild'],
    script:
      `mkdir -p rpmtop/SOURCES; echo 'echo hi' > rpmtop/SOURCES/hi.sh; printf '%s\\n' '${RPM_SPEC}' > hi.spec; ` +
      `rpmbuild -bb --quiet --nodeps --define "_topdir $PWD/rpmtop" --define 'optflags -O2 -g' hi.spec >/dev/null 2>&1; ` +
      'cp rpmtop/RPMS/noarch/hi-1.0-1.noarch.rpm out/hi.rpm',
    fixed:
      `mkdir -p rpmtop/SOURCES; echo 'echo hi' > rpmtop/SOURCES/hi.sh; printf '%s\\n' '${RPM_SPEC}' > hi.spec; ${SDE}` +
      `rpmbuild -bb --quiet --nodeps --define "_topdir $PWD/rpmtop" --define 'optflags -O2 -g' ` +
      `--define '_buildhost reproducible' --define 'use_source_date_epoch_as_buildtime 1' hi.spec >/dev/null 2>&1; ` +
      'cp rpmtop/RPMS/noarch/hi-1.0-1.noarch.rpm out/hi.rpm',
  },
  {
    artifact: 'out/demo.buildinfo',
    types: ['buildinfo_differences_only'],
    fix: /\.buildinfo/,
    needs: ['dpkg-genbuildinfo'],
    script: BUILDINFO_SCRIPT,
  },
  {
    artifact: 'out/sphinx.html',
    types: ['timestamps_in_documentation_generated_by_sphinx'],
    fix: /html_last_updated_fmt/,
    needs: ['sphinx-build'],
    script:
      `mkdir -p sdoc; printf "project = 'demo'\\ncopyright = '2024, demo'\\nhtml_theme = 'classic'\\n` +
      `html_last_updated_fmt = '%%b %%d, %%Y'\\n" > sdoc/conf.py; printf 'Demo\\n====\\n\\nHello.\\n' > sdoc/index.rst; ` +
      'sphinx-build -q -b html sdoc shtml; cp shtml/index.html out/sphinx.html',
    fixed:
      `${SDE}mkdir -p sdoc; printf "project = 'demo'\\ncopyright = '2024, demo'\\nhtml_theme = 'classic'\\n` +
      `html_last_updated_fmt = '%%b %%d, %%Y'\\n" > sdoc/conf.py; printf 'Demo\\n====\\n\\nHello.\\n' > sdoc/index.rst; ` +
      'sphinx-build -q -b html sdoc shtml; cp shtml/index.html out/sphinx.html',
  },
];
