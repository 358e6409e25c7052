#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The README's first command, make demo, as a selftest: tools/msocket-demo
# must run to its end and leave no stackfs mounted. Its output is shown
# (as TAP comments) only if it fails. TAP output.
out=$(mktemp /tmp/demo.XXXXXX)
echo "TAP version 13"
echo "1..2"
if sh /usr/bin/msocket-demo >"$out" 2>&1 && grep -q '^demo: done$' "$out"; then
	echo "ok 1 demo.runs_to_its_end"
	ok=1
else
	echo "not ok 1 demo.runs_to_its_end"
	sed 's/^/# /' "$out"
	ok=0
fi
if grep -q ' /dev/net stackfs ' /proc/mounts; then
	echo "not ok 2 demo.leaves_no_stackfs_mounted"
	ok=0
else
	echo "ok 2 demo.leaves_no_stackfs_mounted"
fi
rm -f "$out"
[ "$ok" -eq 1 ]
