#!/bin/sh
# Writes an index of its sources in the order `sort` gives, which depends on
# the locale's collation (C puts capitals first; et_EE folds case).
set -eu
mkdir -p out
(cd src && ls) | sort > out/index.txt
