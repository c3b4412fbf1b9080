#!/bin/sh
# twinbuild-enter: runs as the first process inside a build's private mount, pid
# and uts namespaces. It performs the actions given as arguments, enters the
# build directory and execs the build. Everything here disappears with the
# namespaces when the build ends or is killed; the host is never changed.
#
# Usage: enter.sh BUILD_DIR ACTION... -- COMMAND [ARG...]
#   bind SRC DST                bind-mount SRC on DST
#   disorderfs SRC DST UID:GID PRELOAD N OPT…   mount SRC on DST through disorderfs
#                               with N options, disorderfs running as UID:GID (the
#                               build's ids), with PRELOAD (adapters/disorderfs-shim.ts)
#                               if that file exists
#   hostname NAME | domainname NAME
#   private-tmp DIR TARGET N KEEP…   DIR becomes TARGET (/tmp, /var/tmp) for this
#                               build; the N KEEP paths stay reachable at their own paths
#   hide PATH                   cover PATH with an empty tmpfs, if the host has that directory
#   readonly-root WORKSPACE     (last) the host's / becomes read-only for this build;
#                               WORKSPACE and every mount of its own stay writable
# Exit 125 means twinbuild's own set-up failed (not the build).
set -u
fail() { echo "twinbuild-enter: $*" >&2; exit 125; }

build_dir=$1
shift
# A private /dev/shm: tools that name shared memory after their pid (faketime
# does) would otherwise collide, since both builds have the same pids.
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm || fail "cannot mount a private /dev/shm"
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    bind)
      mount --bind "$2" "$3" || fail "bind mount of $2 on $3 failed"
      shift 3 ;;
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
      # Foreground (-f) and our child: it dies with the pid namespace, so a
      # crashed build can never leave a FUSE daemon or mount behind.
      # shellcheck disable=SC2086
      # (fd 3, the effectiveness probe's channel, is for the build's first process only.)
      with_preload=""
      [ -r "$preload" ] && with_preload="env LD_PRELOAD=$preload"
      $as_owner $with_preload disorderfs -f $opts "$src" "$dst" >/dev/null 2>&1 3>&- &
      i=0
      until [ "$(stat -c %d "$dst" 2>/dev/null)" != "$before" ]; do
        i=$((i + 1))
        [ "$i" -le 200 ] || fail "disorderfs did not mount $dst within 10 s"
        sleep 0.05
      done ;;
    hostname)
      hostname "$2" || fail "could not set hostname $2"
      shift 2 ;;
    private-tmp)
      dir=$2 target=$3 count=$4
      shift 4
      mkdir -p "$dir" && chmod 1777 "$dir" || fail "cannot make a private $target"
      # Paths under TARGET that must stay where they are (the workspace, PATH
      # directories) are bound into DIR first, at the same place.
      i=0
      while [ "$i" -lt "$count" ]; do
        keep=$1
        shift
        i=$((i + 1))
        [ -e "$keep" ] || continue
        rel=${keep#"$target"/}
        mkdir -p "$dir/$rel" && mount --bind "$keep" "$dir/$rel" || fail "cannot keep $keep visible under a private $target"
      done
      [ -d "$target" ] || continue
      mount --rbind "$dir" "$target" || fail "cannot mount a private $target" ;;
    hide)
      # A file there is harmless: nothing can be created below a file.
      if [ -d "$2" ]; then
        mount -t tmpfs -o mode=0755,size=1m,nosuid,nodev tmpfs "$2" || fail "cannot hide $2"
      fi
      shift 2 ;;
    domainname)
      domainname "$2" || fail "could not set domainname $2"
      shift 2 ;;
    readonly-root)
      # Even a build running as root must leave nothing on the host outside its
      # workspace: `mkdir -p "$HOME"/.cache` would create the experiment's HOME
      # (/nonexistent/second-build) where the host has no /nonexistent to cover.
      # Only this namespace's root mount turns read-only; the workspace (bound onto
      # itself, with its build dir), the private /tmp and /var/tmp, /dev and
      # /dev/shm are mounts of their own and stay writable.
      mount --rbind "$2" "$2" || fail "cannot keep $2 writable"
      mount -o remount,bind,ro / || fail "cannot make / read-only for the build"
      shift 2 ;;
    *) fail "unknown action $1" ;;
  esac
done
[ $# -gt 0 ] && shift
cd "$build_dir" || fail "cannot enter $build_dir"
# cd set OLDPWD to this side's private workspace path, which differs between sides.
unset OLDPWD
# Not exec: this shell stays the namespace's pid 1, as root, keeping the
# parent-death signal unshare --kill-child gave it (a build that changes its
# uid, as user_group's setpriv does, loses it). When twinbuild dies, even by
# SIGKILL, unshare dies, this shell is killed and the whole namespace with it.
"$@"
exit $?
