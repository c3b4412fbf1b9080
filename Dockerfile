# twinbuild's CI image: Debian bookworm (node:20-bookworm: twinbuild needs Node 20,
# bookworm's own nodejs is 18), the Debian packages of scripts/debian-packages.txt,
# and twinbuild. The steps are scripts/docker-steps.sh, tested without docker.
#
#   docker build --build-arg TWINBUILD_PACKAGE='git+https://gitlab.example.com/tools/twinbuild.git#v0.1.0' -t twinbuild .
#
# (TWINBUILD_PACKAGE: any `npm install` spec the build can reach: a git URL of
# the main branch or a tag, or a tarball URL from `npm pack`.)
#
# What it needs from the runner at run time (README "Running without root and in containers"):
#   - private namespaces (unshare): root in the container with CAP_SYS_ADMIN
#     (--privileged, or --cap-add SYS_ADMIN --security-opt seccomp=unconfined
#     --security-opt apparmor=unconfined), or a kernel that allows unprivileged
#     user namespaces inside the container. Without them the two builds run one
#     after the other, and user_group, domain_host, shell and gecos are skipped;
#   - /dev/fuse (--device /dev/fuse) and root for fileordering (disorderfs);
#     without it fileordering is skipped.
# Every skipped variation is listed, with its reason, in the console, JUnit and
# HTML reports; `twinbuild doctor` in the container says what it allows.
FROM node:20-bookworm
COPY scripts/debian-packages.txt scripts/docker-steps.sh /opt/twinbuild-image/
RUN sh /opt/twinbuild-image/docker-steps.sh install-packages
ARG TWINBUILD_PACKAGE
RUN sh /opt/twinbuild-image/docker-steps.sh install-twinbuild "$TWINBUILD_PACKAGE"
ENTRYPOINT []
CMD ["twinbuild", "--help"]
