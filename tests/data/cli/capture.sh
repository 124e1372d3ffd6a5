#!/bin/sh
# Regenerate the golden files from the real virsh (libvirt's test driver).
# For every line NAME|COMMANDS of cases.txt: NAME.cmd holds COMMANDS, and
# NAME.out / NAME.err / NAME.rc what `virsh -c test:///default "COMMANDS"`
# printed and returned, run in a scratch directory holding our *.xml files.
# Usage: tests/data/cli/capture.sh [VIRSH]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
virsh=${1:-virsh}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
grep -v '^#' "$here/cases.txt" | grep -v '^$' | while IFS='|' read -r name cmds; do
  rm -rf "$scratch/run" && mkdir "$scratch/run" && cp "$here"/*.xml "$scratch/run/"
  printf '%s\n' "$cmds" > "$here/$name.cmd"
  rc=0
  (cd "$scratch/run" && LC_ALL=C "$virsh" -c test:///default "$cmds" \
      > "$here/$name.out" 2> "$here/$name.err" < /dev/null) || rc=$?
  echo "$rc" > "$here/$name.rc"
done
