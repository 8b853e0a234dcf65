#!/usr/bin/env bash
# The include paths in lib/meson.build are the layering rule; a quoted
# include with a directory part ("../qemu/x.h", "linux/x.h") would step
# around them. Only the public headers are named with their folder.
set -u
cd "$(dirname "$0")/.."
bad=$(grep -rnE '#include "[^"]*/' lib cli | grep -vE '#include "memhp/[a-z_]+\.h"')
if [ -n "$bad" ]; then
	echo "includes that bypass the layering (use the folder's include path):"
	echo "$bad"
	exit 1
fi
# cli/ sees only the public header.
bad=$(grep -rnE '#include "' cli | grep -vE '#include "(memhp/[a-z_]+|[a-z_]+)\.h"' )
bad+=$(for f in $(grep -rhoE '#include "[a-z_]+\.h"' cli | sort -u | sed -E 's/.*"(.*)"/\1/'); do
	[ -e "cli/$f" ] || echo "cli includes $f, which is not in cli/"
done)
if [ -n "$bad" ]; then
	echo "$bad"
	exit 1
fi
echo "layering: ok"
