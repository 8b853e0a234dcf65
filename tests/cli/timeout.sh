#!/usr/bin/env bash
# guest/timeout.c (the guest's memhp-timeout), run on the host: the whole
# process group of the command gets SIGINT when the time is up, so a
# subshell blocked in a child ends too; the status is the command's, or
# 128 + the signal. Usage: timeout.sh MEMHP_TIMEOUT
set -u
t=$1
fails=0
expect() { # WANT_RC MAX_SECONDS CMD
	local want=$1 max=$2 start rc took
	shift 2
	start=$(date +%s)
	"$t" "$@" >/dev/null 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	if [ "$rc" != "$want" ] || [ "$took" -gt "$max" ]; then
		echo "[  FAILED  ] memhp-timeout $*: exit $rc after ${took}s, want $want within ${max}s"
		fails=$((fails + 1))
	else
		echo "[       OK ] memhp-timeout $*"
	fi
}
expect 0 2 5 'true'
expect 4 2 5 'exit 4'
# The time-out: SIGINT ends the shell (130)...
expect 130 3 1 'sleep 20'
# ...and the subshell it waits for, whose sleep is in another process.
expect 130 3 1 '(sleep 20; echo never) | cat; echo never'
expect 2 1 x 'true'
# Nothing of the command's group outlives it: a subshell that would write
# a file 2 s later was interrupted too (one signalled process would not be).
marker=$(mktemp -u)
expect 130 3 1 "(sleep 2; echo alive >$marker); true"
sleep 3
if [ -e "$marker" ]; then
	echo "[  FAILED  ] a process of the command's group outlived the time-out"
	rm -f "$marker"
	fails=$((fails + 1))
fi
[ "$fails" = 0 ]
