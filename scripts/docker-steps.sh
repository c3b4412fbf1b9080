#!/bin/sh
# The steps of twinbuild's CI image (Dockerfile), as a script the Dockerfile RUNs
# and test/cli/install-image.test.ts runs outside a container runtime.
#   docker-steps.sh packages                 the Debian packages: scripts/debian-packages.txt
#   docker-steps.sh install-packages         apt-get install them (APT_OPTIONS is added, e.g. --simulate)
#   docker-steps.sh install-twinbuild SPEC   npm install --global SPEC (a tarball, or git+…[#TAG]), then twinbuild --version
set -eu
here=$(dirname "$0")
list=${TWINBUILD_PACKAGE_LIST:-$here/debian-packages.txt}

packages() {
  sed -e 's/#.*//' "$list" | tr -s ' \t' '\n\n' | grep -v '^$'
}

case ${1:-} in
  packages)
    packages ;;
  install-packages)
    # A fresh image has no package lists; a machine that has them is not changed.
    if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then apt-get update -qq; fi
    # shellcheck disable=SC2046,SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${APT_OPTIONS:-} $(packages)
    if [ -z "${APT_OPTIONS:-}" ]; then rm -rf /var/lib/apt/lists/*; fi ;;
  install-twinbuild)
    spec=${2:?install-twinbuild needs an npm install spec: a tarball, or git+https://…/twinbuild.git[#TAG]}
    npm install --global --no-audit --no-fund "$spec"
    "$(npm prefix --global)/bin/twinbuild" --version ;;
  *)
    echo "usage: docker-steps.sh packages | install-packages | install-twinbuild SPEC" >&2
    exit 2 ;;
esac
