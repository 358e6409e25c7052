#!/bin/sh
# The msocket crate's tests that need the module (tools/msocket-rs/tests/
# vm.rs, ignored on the host), as TAP. Every test of the binary must run:
# none selected, a binary that dies before its "test result:" line, or a
# test that is not "ok" fails. MANIFEST holds how many there are.
bin=/usr/lib/msocket-tests/msocket-rs-vm
if [ ! -x "$bin" ]; then
	echo "1..1"
	echo "not ok 1 $bin is missing"
	exit 1
fi
out=$(mktemp /tmp/msocket-rs.XXXXXX)
"$bin" --ignored --test-threads=1 >"$out" 2>&1
rc=$?
n=0 failed=0
grep '^test .* \.\.\. ' "$out" >"$out.results"
while read -r _ name _ result _; do
	n=$((n + 1))
	if [ "$result" = ok ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name ($result)"
		failed=$((failed + 1))
	fi
done <"$out.results"
# A failure the results do not show: no test, no summary, a crash.
if [ "$n" -eq 0 ] || ! grep -q '^test result: ' "$out" ||
	{ [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; }; then
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n the test binary ran $((n - 1)) tests and exited with status $rc"
fi
[ "$failed" -eq 0 ] || sed 's/^/# /' "$out"
echo "1..$n"
rm -f "$out" "$out.results"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
