#!/bin/sh
# The Python package (tools/python) in the VM, with Debian's python3 and
# pytest (qemu/run adds them): tools/python/tests/test_vm.py as TAP, one
# result per test, and the example program msocket-echo.py. Two stacks,
# red 10.0.0.1/24 (namespace mspy-red) and blue 10.0.0.2/24 (mspy-blue),
# joined by a veth pair, in a stackfs on /dev/net of a mount namespace of
# this script's own (the README's examples use those paths). A missing
# interpreter or test, and a test that fails, errors or is skipped, fail.
[ -n "$MSPY_UNSHARED" ] || exec env MSPY_UNSHARED=1 unshare -m "$0" "$@"
. "$(dirname "$0")/lib.sh"

py=/usr/bin/python3
tests=/usr/lib/msocket-tests/python
echo=/usr/bin/msocket-echo.py
ip=/usr/sbin/ip
out=$(mktemp /tmp/python.XXXXXX)
pids=
cleanup() {
	[ -z "$pids" ] || kill $pids 2>/dev/null
	wait 2>/dev/null
	for n in red blue; do $ip netns del mspy-$n 2>/dev/null; done
	umount -l /dev/net 2>/dev/null
	rm -f "$out" "$out.tap" "$out.echo"
}
trap cleanup EXIT

if [ ! -x "$py" ] || [ ! -f "$tests/test_vm.py" ] || [ ! -x "$echo" ]; then
	echo "1..1"
	echo "not ok 1 $py, $tests/test_vm.py or $echo is missing"
	exit 1
fi
check "the programs are installed" need $ip su nc.openbsd mstack
check "python3 imports msocket and pytest" $py -c 'import msocket, pytest'

setup() {
	mount -t stackfs none /dev/net && chmod 755 /dev/net || return 1
	for n in red blue; do
		$ip netns add mspy-$n && $ip -n mspy-$n link set lo up || return 1
	done
	$ip -n mspy-red link add vred type veth peer name vblue netns mspy-blue &&
		$ip -n mspy-red addr add 10.0.0.1/24 dev vred &&
		$ip -n mspy-blue addr add 10.0.0.2/24 dev vblue &&
		$ip -n mspy-red link set vred up && $ip -n mspy-blue link set vblue up &&
		mstack add -m 0666 /dev/net/red --netns /run/netns/mspy-red &&
		mstack add -m 0666 /dev/net/blue --netns /run/netns/mspy-blue &&
		mstack add -m 0444 /dev/net/ro --netns /run/netns/mspy-red &&
		chmod 666 /dev/net/red /dev/net/blue &&
		$ip netns exec mspy-blue ping -c 1 -W 5 10.0.0.1
}
check "two stacks joined by a veth pair" setup

# pytest -v prints "FILE::TEST RESULT [ N%]" per test.
(cd "$tests" && $py -m pytest -v -p no:cacheprovider --tb=short -rA test_vm.py) >"$out" 2>&1
rc=$?
ran=0
grep -E '^test_vm\.py::[^ ]+ (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)' "$out" >"$out.tap"
: >"$tap_out"  # the output is shown once, with the last result
while read -r name result _; do
	ran=$((ran + 1))
	case "$result" in
	PASSED) tap_ok "python: ${name#test_vm.py::}" ;;
	*) tap_not_ok "python: ${name#test_vm.py::} ($result)" ;;
	esac
done <"$out.tap"
want=21
if [ "$ran" -ne "$want" ] || [ "$rc" -ne 0 ] || ! grep -Eq "^=+ $want passed in " "$out"; then
	cp "$out" "$tap_out"
	tap_not_ok "pytest: $ran of $want tests ran, exit status $rc"
else
	tap_ok "pytest: $want passed, exit status 0"
fi

# The example program, as msuser: one asyncio server in both stacks,
# reached from each namespace.
as_user "$echo -p 7600 -n 2 /dev/net/red=10.0.0.1 /dev/net/blue" >"$out.echo" 2>&1 &
pids="$pids $!"
echo_pid=$!
i=0
until [ "$(grep -c '^msocket-echo: /dev/net' "$out.echo")" -eq 2 ] || [ $i -ge 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
echoed() {
	r=$(echo hi | $ip netns exec mspy-blue nc.openbsd -N -w 10 10.0.0.1 7600) &&
		[ "$r" = "/dev/net/red: hi" ] || { echo "red: '$r'"; return 1; }
	r=$(echo hi | $ip netns exec mspy-blue nc.openbsd -N -w 10 127.0.0.1 7600) &&
		[ "$r" = "/dev/net/blue: hi" ] || { echo "blue: '$r'"; return 1; }
}
check "msocket-echo.py: one server in red and blue, reached from blue" echoed
check "msocket-echo.py exits after -n 2" wait $echo_pid
sed 's/^/# /' "$out.echo"
done_testing
