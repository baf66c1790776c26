#!/usr/bin/env bash
# Cleans a lab serial console as the committed logs keep it: CR LF line ends become LF, a lone CR a line
# break, the firmware's terminal control sequences (ESC c, ESC [ ...) are dropped, and the file ends with
# a newline.
#
#   scripts/crashlab/clean-console.sh RAW OUTPUT
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: clean-console.sh RAW OUTPUT" >&2; exit 2; }
sed -e $'s/\r$//' -e $'s/\r/\\n/g' -e $'s/\x1bc//g' -e $'s/\x1b\\[[0-9;?]*[A-Za-z]//g' "$1" > "$2"
[ -z "$(tail -c1 "$2")" ] || echo >> "$2"
