#!/bin/sh
# The msocket crate's tests that need the module (tools/msocket-rs/tests/
# vm.rs, ignored on the host), as TAP.
bin=/usr/lib/msocket-tests/msocket-rs-vm
if [ ! -x "$bin" ]; then
	echo "not ok 1 $bin is missing"
	echo "1..1"
	exit 1
fi
out=$(mktemp /tmp/msocket-rs.XXXXXX)
"$bin" --ignored --test-threads=1 >"$out" 2>&1
rc=$?
n=0
grep '^test .* \.\.\. ' "$out" >"$out.results"
while read -r _ name _ result _; do
	n=$((n + 1))
	if [ "$result" = ok ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
	fi
done <"$out.results"
if [ "$rc" -ne 0 ]; then
	sed -n '/^failures:/,$p' "$out" | sed 's/^/# /'
	[ "$n" -gt 0 ] || { n=1; echo "not ok 1 the test binary failed (status $rc)"; sed 's/^/# /' "$out"; }
fi
echo "1..$n"
rm -f "$out" "$out.results"
exit "$rc"
