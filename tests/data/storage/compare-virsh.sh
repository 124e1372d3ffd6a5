#!/bin/sh
# Compares the expected outputs of the pool and volume cases with what the
# real virsh prints for the same input (libvirt's test driver):
#   pool/NAME.xml:   virsh -c test:///default "pool-define NAME.xml; pool-dumpxml POOL"
#   volume/NAME.xml: virsh -c test:///default "vol-create default-pool NAME.xml;
#                                              vol-dumpxml --pool default-pool VOL"
# A generated <uuid> is replaced by the golden runner's pinned one. For every
# case it prints one line: "same", "differs" (with a diff), "both refuse", or
# "virsh accepts" / "virsh refuses" where only one side does.
# Usage: tests/data/storage/compare-virsh.sh [-v] [VIRSH]
# Exit 1 when any case has a result that virsh-differences.txt does not list;
# details are printed for those (for every difference with -v).
set -u
verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
here=$(cd "$(dirname "$0")" && pwd)
virsh=${1:-virsh}
if ! command -v "$virsh" >/dev/null 2>&1; then
  echo "SKIP: $virsh is not installed (libvirt-clients); nothing to compare with"
  exit 77
fi
pinned=00000000-0000-4000-8000-000000000000
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Cases that differ from libvirt on purpose, one "KIND/NAME  reason" a line
# (README.md explains each).
expected_diff=$(sed -n 's/^\([a-z]*\/[^ ]*\).*/\1/p' "$here/virsh-differences.txt")
status=0

name_of() {  # the first <name> of a document (the volume's or pool's own)
  sed -n 's:.*<name>\([^<]*\)</name>.*:\1:p' "$1" | head -1
}

run_case() {  # kind name -> sets out, rc
  kind=$1 file=$here/$1/$2.xml
  cp "$file" "$scratch/in.xml"
  n=$(name_of "$file")
  if [ "$kind" = pool ]; then
    [ -z "$n" ] && n=$(sed -n 's:.*<name>\([^<]*\)</name>.*:\1:p' "$file" | tail -1)
    cmds="pool-define in.xml; pool-dumpxml '$n'"
  else
    cmds="vol-create default-pool in.xml; vol-dumpxml --pool default-pool '$n'"
  fi
  rc=0
  (cd "$scratch" && LC_ALL=C timeout 10 "$virsh" -q -c test:///default "$cmds" > out 2> err < /dev/null) || rc=$?
  # virsh -q still prints the "defined"/"created" line: keep the document only.
  sed -n "/^<$kind/,\$p" "$scratch/out" | sed '/^$/d' > "$scratch/doc"
  if ! grep -q '<uuid>' "$file" && [ "$kind" = pool ]; then
    sed -i "s:<uuid>[^<]*</uuid>:<uuid>$pinned</uuid>:" "$scratch/doc"
  fi
}

for kind in pool volume; do
  for f in "$here/$kind"/*.xml; do
    case "$f" in *.out.xml) continue ;; esac
    name=$(basename "$f" .xml)
    run_case "$kind" "$name"
    ours=$here/$kind/$name.out.xml
    if [ -s "$scratch/doc" ]; then
      if [ -f "$ours" ] && cmp -s "$ours" "$scratch/doc"; then result=same
      elif [ -f "$ours" ]; then result=differs
      else result="virsh accepts"
      fi
    else
      if [ -f "$ours" ]; then result="virsh refuses"; else result="both refuse"; fi
    fi
    case "$result" in
      same|"both refuse") ;;
      *) if printf '%s\n' "$expected_diff" | grep -qx "$kind/$name"; then result="$result (expected)"; else status=1; fi ;;
    esac
    printf '%-45s %s\n' "$kind/$name" "$result"
    case "$verbose:$result" in 0:*"(expected)") continue ;; esac
    case "$result" in
      differs*) diff "$scratch/doc" "$ours" | sed 's/^/    /' ;;
      "virsh refuses"*) sed 's/^/    virsh: /' "$scratch/err" | grep -v '^    virsh: $' | head -2 ;;
      "virsh accepts"*) sed 's/^/    /' "$scratch/doc" | head -3 ;;
    esac
  done
done
exit $status
