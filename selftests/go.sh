#!/bin/sh
# The Go package (tools/go) in the VM: its test binary (go test -c,
# static) run as root and as msuser, as TAP: one result per top-level
# test and example; and the example programs msocket-relay and
# msocket-grpc-health (gRPC's health service, Debian's gRPC). Three stacks
# in a triangle of veth pairs (see tools/go/vm_test.go for the layout),
# in a stackfs on /dev/net of a mount namespace of this script's own.
# A missing binary, a test that does not run, skips or fails, and a
# binary that dies, fail.
[ -n "$MSGO_UNSHARED" ] || exec env MSGO_UNSHARED=1 unshare -m "$0" "$@"
. "$(dirname "$0")/lib.sh"

bin=/usr/lib/msocket-tests/msocket-go.test
relay=/usr/bin/msocket-relay
grpc=/usr/bin/msocket-grpc-health
ip=/usr/sbin/ip
out=$(mktemp /tmp/go.XXXXXX)
pids=
cleanup() {
	[ -z "$pids" ] || kill $pids 2>/dev/null
	wait 2>/dev/null
	for n in a b c; do $ip netns del msgo-$n 2>/dev/null; done
	rm -rf /etc/netns/b
	umount -l /dev/net 2>/dev/null
	umount /etc/nsswitch.conf 2>/dev/null
	rm -f "$out" "$out.tap" "$out.relay" "$out.nss" "$out.grpc"
}
trap cleanup EXIT

# Runs the test binary (as root or as msuser: $1) with the -test.run
# pattern $2 and prints a result per top-level test; $3 is how many must
# have run.
go_tests() {
	who=$1 pattern=$2 want=$3
	env="MSOCKET_GO_VM=1 MSOCKET_GO_NETNS=$cookies"
	if [ "$who" = root ]; then
		env $env $bin -test.v -test.timeout 300s -test.run "$pattern" >"$out" 2>&1
	else
		as_user "env $env $bin -test.v -test.timeout 300s -test.run '$pattern'" >"$out" 2>&1
	fi
	rc=$?
	ran=0
	grep -E '^--- (PASS|FAIL|SKIP): ' "$out" >"$out.tap"
	: >"$tap_out"  # the output is shown once, with the last result
	while read -r _ result name _; do
		ran=$((ran + 1))
		case "$result" in
		PASS:) tap_ok "go $who: $name" ;;
		*) tap_not_ok "go $who: $name ($result)" ;;
		esac
	done <"$out.tap"
	if [ "$ran" -ne "$want" ] || [ "$rc" -ne 0 ]; then
		cp "$out" "$tap_out"
		tap_not_ok "go $who: $ran of $want tests ran, exit status $rc"
	else
		tap_ok "go $who: $ran tests ran, exit status 0"
	fi
	grep -E '^ +vm_test.go:[0-9]+: [0-9]+ goroutines' "$out" | sed 's/^ */# /'
	sed 's/^/# /' "$out.tap"
}

if [ ! -x "$bin" ] || [ ! -x "$relay" ] || [ ! -x "$grpc" ]; then
	echo "1..1"
	echo "not ok 1 $bin, $relay or $grpc is missing"
	exit 1
fi

check "the programs are installed" need $ip su nc.openbsd socat mstack
setup() {
	mount -t stackfs none /dev/net && chmod 755 /dev/net || return 1
	for n in a b c; do
		$ip netns add msgo-$n && $ip -n msgo-$n link set lo up || return 1
	done
	# The triangle: link L joins X and Y, X is 10.8.L.X (a=1, b=2, c=3).
	for l in "1 a 1 b 2" "2 b 2 c 3" "3 c 3 a 1"; do
		set -- $l
		$ip -n msgo-$2 link add v$2$4 type veth peer name v$4$2 netns msgo-$4 &&
			$ip -n msgo-$2 addr add 10.8.$1.$3/24 dev v$2$4 &&
			$ip -n msgo-$4 addr add 10.8.$1.$5/24 dev v$4$2 &&
			$ip -n msgo-$2 link set v$2$4 up && $ip -n msgo-$4 link set v$4$2 up || return 1
	done
	for n in a b c; do
		mstack add -m 0666 /dev/net/$n --netns /run/netns/msgo-$n || return 1
	done
	mstack add -m 0666 /dev/net/red --netns /run/netns/msgo-a &&
		mstack add -m 0666 /dev/net/blue --netns /run/netns/msgo-b &&
		mstack add -m 0444 /dev/net/ro --netns /run/netns/msgo-a &&
		mstack add -m 0222 /dev/net/wo --netns /run/netns/msgo-a &&
		chmod 666 /dev/net/a /dev/net/b /dev/net/c /dev/net/red /dev/net/blue &&
		chmod 444 /dev/net/ro && chmod 222 /dev/net/wo
}
check "three stacks in a triangle of veth pairs" setup
# Each namespace's cookie, from a socket(2) socket made inside it.
cookies=
for n in a b c; do
	c=$($ip netns exec msgo-$n env MSOCKET_GO_COOKIE=1 $bin) || c=0
	cookies="$cookies${cookies:+,}$n=$c"
done
check "the namespaces' cookies (ip netns exec, socket(2)): $cookies" \
	sh -c "! echo '$cookies' | grep -q '=0'"
# b's name server is c's 10.8.2.3 (Stack.Resolver reads /etc/netns/NAME/
# resolv.conf as ip netns exec does); msuser may serve port 53 in c.
mkdir -p /etc/netns/b && echo "nameserver 10.8.2.3" >/etc/netns/b/resolv.conf
# The VM's hosts are files only; here (this script's mount namespace) DNS too.
echo "hosts: files dns" >"$out.nss" && mount --bind "$out.nss" /etc/nsswitch.conf
$ip netns exec msgo-c sh -c 'echo 53 >/proc/sys/net/ipv4/ip_unprivileged_port_start'
check "the links carry traffic (ping a -> b, b -> c, c -> a)" sh -c \
	"$ip netns exec msgo-a ping -c 1 -W 5 10.8.1.2 && $ip netns exec msgo-b ping -c 1 -W 5 10.8.2.3 &&
	$ip netns exec msgo-c ping -c 1 -W 5 10.8.3.1"

go_tests root '^TestRoot' 3
go_tests msuser '^(TestVM|Example)' 14

# The example program, as msuser: clients in b reach a server in c
# through the relay, which listens in a and connects from b.
$ip netns exec msgo-c socat TCP-LISTEN:7401,bind=10.8.2.3,fork,reuseaddr \
	SYSTEM:'echo served by c' >/dev/null 2>&1 &
pids="$pids $!"
i=0
until $ip netns exec msgo-c socat -u /dev/null TCP:10.8.2.3:7401 2>/dev/null || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
as_user "$relay -n 3 /dev/net/a 10.8.1.1:7400 /dev/net/b 10.8.2.3:7401" >"$out.relay" 2>&1 &
pids="$pids $!"
relay_pid=$!
i=0
until grep -q -- '->' "$out.relay" || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
relayed() {
	for i in 1 2 3; do
		r=$($ip netns exec msgo-b nc.openbsd -N -w 30 10.8.1.1 7400 </dev/null) || return 1
		[ "$r" = "served by c" ] || { echo "got '$r'"; return 1; }
		sleep 0.2
	done
}
check "msocket-relay: three connections b -> a (relay) -> from b -> c" relayed
# Exits by itself after its third connection (within 30 s: a relay still
# waiting for one fails here, and does not hang the script).
relay_exits() {
	i=0
	while kill -0 "$relay_pid" 2>/dev/null; do
		[ $i -lt 300 ] || { kill "$relay_pid"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
	wait "$relay_pid"
}
check "msocket-relay exits after -n 3" relay_exits
cat "$out.relay" | sed 's/^/# /'

# The gRPC example, as msuser: a grpc.Server on a listener in c, a
# grpc.ClientConn whose connections b's stack makes; the health Check
# answers SERVING, and the server saw the client at b's 10.8.2.2.
grpc_health() {
	as_user "$grpc /dev/net/c 10.8.2.3:7410 /dev/net/b" >"$out.grpc" 2>&1 || return 1
	grep -qx SERVING "$out.grpc" && grep -q ' served 10\.8\.2\.2:[0-9]* from /dev/net/b$' "$out.grpc"
}
check "msocket-grpc-health: gRPC health Check from b to a server in c: SERVING" grpc_health
sed 's/^/# /' "$out.grpc"
done_testing
