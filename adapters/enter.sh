#!/bin/sh
# twinbuild-enter: the first process of a build's outer private mount, pid and
# uts namespaces (adapters/namespaces.ts, layer 1). With the caller's privilege it
# puts the side's copy at the build path and sets the names, then runs the
# sandbox command (bubblewrap, layer 2), which is the only thing the build sees.
# Everything here disappears with the namespaces when the build ends or is
# killed; the host is never changed.
#
# Usage: enter.sh BUILD_DIR ACTION... -- COMMAND [ARG...]
#   bind SRC DST                bind-mount SRC on DST
#   disorderfs SRC DST UID:GID PRELOAD N OPT…   mount SRC on DST through disorderfs
#                               with N options, disorderfs running as UID:GID (the
#                               build's host ids), with PRELOAD (adapters/disorderfs-shim.ts)
#                               if that file exists
#   reach DIR CLOSED            DIR (the temp root) becomes reachable for the build's
#                               unprivileged id: CLOSED, the first directory on the way
#                               others cannot search, is covered by a tmpfs of
#                               searchable directories and DIR bound back at its path
#   hostname NAME | domainname NAME   (bubblewrap's uts namespace inherits both)
# Exit 125 means twinbuild's own set-up failed (not the build).
set -u
fail() { echo "twinbuild-enter: $*" >&2; exit 125; }

build_dir=$1
shift
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    bind)
      mount --bind "$2" "$3" || fail "bind mount of $2 on $3 failed"
      shift 3 ;;
    reach)
      dir=$2 closed=$3
      shift 3
      # fd 7 keeps DIR while CLOSED is covered; only this namespace sees the cover.
      exec 7<"$dir" || fail "cannot open $dir"
      mount -t tmpfs -o mode=0711,size=64k,nosuid,nodev tmpfs "$closed" &&
        (umask 066 && mkdir -p "$dir") &&
        mount --no-canonicalize --bind /proc/self/fd/7 "$dir" || fail "cannot make $dir reachable past $closed"
      exec 7<&- ;;
    disorderfs)
      src=$2 dst=$3 owner=$4 preload=$5 count=$6
      shift 6
      opts=""
      i=0
      while [ "$i" -lt "$count" ]; do opts="$opts $1"; shift; i=$((i + 1)); done
      # Note: DST may already be a mount point (a bind below a private /tmp), so
      # the mount is seen when DST's device changes, not when it is a mount point.
      before=$(stat -c %d "$dst") || fail "cannot stat $dst"
      # disorderfs runs as the build's own ids (--multi-user=no): files it creates
      # are the build's and the build's permissions apply, without the per-request
      # id switching of --multi-user=yes that made every write about 2x slower.
      as_owner=""
      if [ "$owner" != 0:0 ]; then
        # An unprivileged daemon keeps only CAP_SYS_ADMIN, to mount; it must open
        # /dev/fuse (root's only on some hosts), so this namespace gets a node of
        # its own, world-usable, on a 4k tmpfs briefly mounted on DST.
        mount -t tmpfs -o size=4k,mode=0755 tmpfs "$dst" &&
          mknod -m 0666 "$dst/fuse" c 10 229 &&
          mount --bind "$dst/fuse" /dev/fuse &&
          umount "$dst" || fail "cannot give $owner a /dev/fuse"
        as_owner="setpriv --reuid=${owner%:*} --regid=${owner#*:} --clear-groups --inh-caps=+sys_admin --ambient-caps=+sys_admin --"
      fi
      # Not in the foreground: FUSE mounts first and only then daemonizes, so when
      # this command returns the mount is there (no polling wait). The daemon stays
      # in this pid namespace, so a crashed build can never leave a FUSE daemon or
      # mount behind: it is killed with the namespace.
      # (fd 3, the effectiveness probe's channel, is for the build's first process only.)
      # Note: ld.so splits LD_PRELOAD at spaces and colons, with no escape, so a temp
      # root with a space in its path (TMPDIR="/tmp/my dir") is named through an fd.
      if [ -r "$preload" ]; then
        exec 9<"$preload" || fail "cannot open $preload"
        # shellcheck disable=SC2086
        $as_owner env LD_PRELOAD=/proc/self/fd/9 disorderfs $opts "$src" "$dst" >/dev/null 2>&1 3>&- ||
          { exec 9<&-; fail "disorderfs could not mount $dst"; }
        exec 9<&-
      else
        # shellcheck disable=SC2086
        $as_owner disorderfs $opts "$src" "$dst" >/dev/null 2>&1 3>&- || fail "disorderfs could not mount $dst"
      fi
      [ "$(stat -c %d "$dst" 2>/dev/null)" != "$before" ] || fail "disorderfs did not mount $dst" ;;
    hostname)
      hostname "$2" || fail "could not set hostname $2"
      shift 2 ;;
    domainname)
      domainname "$2" || fail "could not set domainname $2"
      shift 2 ;;
    *) fail "unknown action $1" ;;
  esac
done
[ $# -gt 0 ] && shift
cd "$build_dir" || fail "cannot enter $build_dir"
# cd set OLDPWD to this side's private workspace path, which differs between sides.
unset OLDPWD
# Not exec: this shell stays the namespace's pid 1, keeping the parent-death
# signal unshare --kill-child gave it. When twinbuild dies, even by SIGKILL,
# unshare dies, this shell is killed and the whole namespace with it (bubblewrap
# also dies with its parent, and its own pid namespace with it).
"$@"
exit $?
