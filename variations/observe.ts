// Shell functions the variations' probe channels call (Observation.command), so a
// channel costs no process where a shell built-in reads what the program it stands
// for reads (the same file or the same kernel interface), and the few programs that
// must run (uname, date, ls, getent) run once for all the channels they answer.
// POSIX sh: the probe runs under dash on one side and bash on the other (shell).
// Note: the probe runs in a subshell of the build's shell, so none of these
// functions or variables reaches the build, and a variable of the same name in the
// build's environment is reset here first, never read as an earlier answer.

/** The names the functions below keep their answers in, reset before any channel runs. */
const MEMO = ['tb_u', 'tb_d', 'tb_ls'];

// Each function, with what it stands for above it. Note: a template literal, so the
// shell's ${ is written \${ and its \n as \\n.
const FUNCTIONS = `
tb_nl='
'
unset ${MEMO.join(' ')}
# cat FILE, with read: a file's lines (the last one even without its newline); fails when unreadable.
tb_cat() {
  [ -r "$1" ] || return 1
  while IFS= read -r tb_l || [ -n "$tb_l" ]; do printf '%s\\n' "$tb_l"; done < "$1"
}
# id -u and id -g: the effective ids (the second of each in /proc/self/status) into tb_uid, tb_gid.
tb_ids() {
  tb_uid='(not found)' tb_gid='(not found)'
  while read -r tb_k tb_r tb_e tb_x; do
    case $tb_k in Uid:) tb_uid=$tb_e ;; Gid:) tb_gid=$tb_e && break ;; esac
  done < /proc/self/status
}
# nproc: the CPUs sched_getaffinity allows (Cpus_allowed_list, e.g. 0-3,6); nproc itself when
# OMP_NUM_THREADS or OMP_THREAD_LIMIT, which it obeys, is set, or the list is not there.
tb_nproc() {
  if [ -n "\${OMP_NUM_THREADS-}\${OMP_THREAD_LIMIT-}" ]; then nproc; return; fi
  tb_v=
  while read -r tb_k tb_x; do
    [ "$tb_k" = Cpus_allowed_list: ] && tb_v=$tb_x && break
  done < /proc/self/status
  [ -n "$tb_v" ] || { nproc; return; }
  tb_n=0 tb_x=$tb_v,
  while [ -n "$tb_x" ]; do
    tb_r=\${tb_x%%,*} tb_x=\${tb_x#*,}
    case $tb_r in *-*) tb_n=$((tb_n + \${tb_r#*-} - \${tb_r%-*} + 1)) ;; ?*) tb_n=$((tb_n + 1)) ;; esac
  done
  echo "$tb_n"
}
# nice: this process's niceness, field 19 of /proc/self/stat (after "PID (COMM) ").
tb_nice() {
  read -r tb_s < /proc/self/stat
  set -- \${tb_s##*) }
  shift 16
  echo "$1"
}
# uname -n, -r or -m ($1: n, r, m): one uname for all three; the node name may hold spaces.
tb_uname() {
  if [ -z "\${tb_u+set}" ]; then
    tb_u=$(uname -n -r -m 2>&1) && tb_uok=1 || tb_uok=
  fi
  [ -n "$tb_uok" ] || { printf '%s\\n' "$tb_u"; return; }
  tb_x=\${tb_u% *}
  case $1 in n) printf '%s\\n' "\${tb_x% *}" ;; r) printf '%s\\n' "\${tb_x##* }" ;; m) printf '%s\\n' "\${tb_u##* }" ;; esac
}
# date -u +%Y-%m-%d ($1: day) and date +%z ($1: offset): one date, printing its clock (%s) and
# the zone's offset; the UTC day is worked out from %s here. What date printed before its last
# line (a preload's error) comes first.
tb_date() {
  [ -n "\${tb_d+set}" ] || tb_d=$(date '+%s %z' 2>&1)
  tb_x=\${tb_d##*"$tb_nl"}
  printf '%s' "\${tb_d%"$tb_x"}"
  tb_s=\${tb_x%% *} tb_z=\${tb_x#* }
  case $tb_s in '' | *[!0-9]*) printf '%s\\n' "$tb_x"; return ;; esac
  [ "$1" = offset ] && { printf '%s\\n' "$tb_z"; return; }
  # Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil, inverted).
  tb_z=$((tb_s / 86400 + 719468))
  tb_e=$((tb_z / 146097)) && tb_o=$((tb_z - tb_e * 146097))
  tb_y=$(((tb_o - tb_o / 1460 + tb_o / 36524 - tb_o / 146096) / 365))
  tb_j=$((tb_o - (365 * tb_y + tb_y / 4 - tb_y / 100))) && tb_p=$(((5 * tb_j + 2) / 153))
  tb_m=$((tb_p < 10 ? tb_p + 3 : tb_p - 9))
  printf '%04d-%02d-%02d\\n' $((tb_y + tb_e * 400 + (tb_m <= 2))) "$tb_m" $((tb_j - (153 * tb_p + 2) / 5 + 1))
}
# ls -U DIR ($1: a directory of the probe tree): one ls for both, in readdir order; its whole
# output when the listing of that directory is not in it.
tb_list() {
  [ -n "\${tb_ls+set}" ] || tb_ls=$(ls -U .twinbuild-probe/two .twinbuild-probe/many 2>&1)
  tb_h=".twinbuild-probe/$1:$tb_nl"
  case $tb_ls in
    *"$tb_h"*) tb_x=\${tb_ls#*"$tb_h"} && printf '%s\\n' "\${tb_x%%"$tb_nl$tb_nl"*}" ;;
    *) printf '%s\\n' "$tb_ls" ;;
  esac
}
# ls -A DIR prints something: DIR holds an entry, or is not a directory.
tb_holds() {
  [ -e "$1" ] && [ ! -d "$1" ] && return 0
  for tb_f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -e "$tb_f" ] || [ -L "$tb_f" ]; then return 0; fi
  done
  return 1
}
# getent passwd "$(id -u)" | cut -d: -f5: the build user's full name, through NSS as a build asks.
tb_gecos() {
  tb_ids
  tb_x=$(getent passwd "$tb_uid" 2>&1)
  tb_x=\${tb_x#*:*:*:*:}
  printf '%s\\n' "\${tb_x%%:*}"
}
`;

/** Defines the functions a probe's channels may call; run once, before the channels. */
export const PROBE_FUNCTIONS: string = FUNCTIONS.trimStart();
