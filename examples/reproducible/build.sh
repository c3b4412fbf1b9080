#!/bin/sh
# A reproducible build: compiles a small C program and writes a manifest whose
# order does not depend on the locale.
set -eu
mkdir -p out
cc -O2 -o out/hello src/hello.c
(cd src && ls | LC_ALL=C sort) > out/MANIFEST
