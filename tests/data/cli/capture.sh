#!/bin/sh
# Regenerate the golden files from the real virsh (libvirt's test driver).
# For every line "NAME [GLOBAL-OPTIONS]|COMMANDS" of cases.txt: NAME.cmd holds
# COMMANDS, NAME.opts the global options (when any), and NAME.out / NAME.err /
# NAME.rc what `virsh [GLOBAL-OPTIONS] -c test:///default "COMMANDS"` printed
# and returned, run in a scratch directory holding our *.xml files.
# Usage: [CASES=LIST] [DEST=DIR] tests/data/cli/capture.sh [VIRSH [NAME...]]
# With NAMEs, only those cases are captured again; without, every case is and
# stale data files are removed. CASES names another list of this directory
# (default cases.txt), DEST a subdirectory for its data files (default: here).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
virsh=${1:-virsh}
[ $# -gt 0 ] && shift
only=" $* "
cases="$here/${CASES:-cases.txt}"
dest="$here/${DEST:-.}"
mkdir -p "$dest"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ "$only" = "  " ]; then
  rm -f "$dest"/*.cmd "$dest"/*.opts "$dest"/*.out "$dest"/*.err "$dest"/*.rc
fi
grep -v '^#' "$cases" | grep -v '^$' | while IFS='|' read -r head cmds; do
  set -- $head
  name=$1
  shift
  opts="$*"
  case "$only" in "  "|*" $name "*) ;; *) continue ;; esac
  rm -f "$dest/$name.opts"
  if [ -n "$opts" ]; then printf '%s\n' "$opts" > "$dest/$name.opts"; fi
  rm -rf "$scratch/run" && mkdir "$scratch/run" && cp "$here"/*.xml "$scratch/run/"
  printf '%s\n' "$cmds" > "$dest/$name.cmd"
  # libvirt's test driver now and then hangs at exit after a save: retry.
  for attempt in 1 2 3 4 5; do
    rc=0
    (cd "$scratch/run" && LC_ALL=C timeout 10 "$virsh" $opts -c test:///default "$cmds" \
        > "$dest/$name.out" 2> "$dest/$name.err" < /dev/null) || rc=$?
    [ "$rc" != 124 ] && break
  done
  echo "$rc" > "$dest/$name.rc"
done
