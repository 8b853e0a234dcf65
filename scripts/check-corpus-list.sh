#!/usr/bin/env bash
# Meson cannot glob, so tests/conformance/meson.build lists the corpus by
# hand; a .scn added without its line there would silently never run.
# Fails unless the list and tests/conformance/*.scn name the same files.
set -u
cd "$(dirname "$0")/../tests/conformance"
listed=$(sed -n '/^conformance_scenarios\(_6_12\)\? = \[/,/^\]/p' meson.build | grep -oE "'[^']+'" | tr -d "'" | sort)
present=$(ls *.scn | sed 's/\.scn$//' | sort)
if [ "$listed" != "$present" ]; then
	echo "tests/conformance/meson.build and *.scn disagree (< listed only, > file only):"
	diff <(echo "$listed") <(echo "$present") | grep '^[<>]'
	exit 1
fi
echo "corpus list: $(echo "$present" | wc -l) scenarios, all listed"
