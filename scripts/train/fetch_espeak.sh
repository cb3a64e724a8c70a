#!/bin/bash
# Builds an ESPEAK_DIR for run_gpu.sh on a Debian 12 machine with espeak-ng installed: downloads
# the .debs of espeak-ng, its data and every library `ldd espeak-ng` lists (apt-get download, no
# root needed for that), unpacks them with dpkg -x and lays out DIR/bin/espeak-ng, DIR/lib/ (all
# the libraries, flat) and DIR/espeak-ng-data/ (English only). Use it elsewhere with
# LD_LIBRARY_PATH=DIR/lib ESPEAK_DATA_PATH=DIR DIR/bin/espeak-ng.
#
#   scripts/train/fetch_espeak.sh DIR
set -euo pipefail
dir=$(realpath -m "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
libs=$(ldd "$(command -v espeak-ng)" | awk '/=>/ {print $3}')
pkgs=$(for l in $libs; do dpkg -S "$(realpath "$l")" 2>/dev/null || dpkg -S "$l"; done |
  cut -d: -f1 | sort -u | grep -v '^libc6$')
# libdbus-1-3 by name: dpkg -S does not find every library by its merged-/usr path
(cd "$work" && apt-get download espeak-ng espeak-ng-data $pkgs libdbus-1-3 >/dev/null)
for d in "$work"/*.deb; do dpkg -x "$d" "$work/root"; done
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/lib" "$dir/espeak-ng-data/lang"
cp "$work/root/usr/bin/espeak-ng" "$dir/bin/"
find "$work/root" -name '*.so*' \( -type f -o -type l \) -exec cp -a {} "$dir/lib/" \;
data="$work/root/usr/lib/x86_64-linux-gnu/espeak-ng-data"
cp -a "$data"/en_dict "$data"/phon* "$data"/intonations "$data"/voices "$dir/espeak-ng-data/"
cp -a "$data/lang/gmw" "$dir/espeak-ng-data/lang/"
missing=$(for f in "$dir"/bin/espeak-ng "$dir"/lib/*.so*; do objdump -p "$f" | awk '/NEEDED/ {print $2}'
  done | sort -u | while read -r l; do
    case $l in libc.so.* | libm.so.* | ld-linux*) ;; *) [ -e "$dir/lib/$l" ] || echo "$l" ;; esac
  done)
[ -z "$missing" ] || { echo "fetch_espeak.sh: libraries still missing: $missing" >&2; exit 1; }
LD_LIBRARY_PATH="$dir/lib" ESPEAK_DATA_PATH="$dir" "$dir/bin/espeak-ng" -v en --stdout "test" >/dev/null
echo "$dir: $(du -sh "$dir" | cut -f1)"
