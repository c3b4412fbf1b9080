#!/bin/sh
# Embeds the moment of the build: the classic "build timestamp" leak.
# (Nanoseconds, so two builds started together still differ; the usual fix is
# to use SOURCE_DATE_EPOCH instead of the clock.)
set -eu
mkdir -p out
printf 'version 1.0, built %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" > out/VERSION
echo "payload" > out/data.txt
