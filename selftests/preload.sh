#!/bin/sh
# Unmodified Debian programs in stacks: iproute2's ip, netcat-openbsd and
# socat (dynamically linked) through LD_PRELOAD=libmsocket.so.0 and
# MSOCKET_DEFAULTS, as root and as a user; busybox (static) through
# setns. Two stacks, red and blue, joined by a veth pair:
#   red 10.7.0.1/24 (v-red) <-> blue 10.7.0.2/24 (v-blue)
. "$(dirname "$0")/lib.sh"

ip=/usr/sbin/ip
dir=$(mktemp -d /tmp/preload.XXXXXX)
red=$dir/red blue=$dir/blue
pids=
cleanup() {
	[ -z "$pids" ] || kill $pids 2>/dev/null
	wait 2>/dev/null
	$ip netns del mspreload-blue 2>/dev/null
	umount -l "$dir"
	rmdir "$dir"
}
trap cleanup EXIT
as_user() { su -s /bin/sh msuser -c "$*"; }
# Runs CMD until it succeeds (10 s at most).
wait_until() {
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -le 100 ] || return 1
		sleep 0.1
	done
}

check "the programs are installed" need $ip nc.openbsd socat busybox mstack vustack su
mount -t stackfs none "$dir" && chmod 755 "$dir"
check "blue: a namespace of iproute2 (ip netns add)" $ip netns add mspreload-blue
check "red: mstack add --new" mstack add -m 0666 "$red" --new
check "blue: mstack add --netns /run/netns/NAME" mstack add -m 0666 "$blue" --netns /run/netns/mspreload-blue
check "stacks users may use (mode 0666)" chmod 666 "$red" "$blue"
check "ip (unmodified) under mstack exec makes a veth pair from red to blue" \
	mstack exec "$red" -- $ip link add v-red type veth peer name v-blue netns mspreload-blue
check "ip under mstack exec configures red" sh -c \
	"mstack exec $red -- $ip addr add 10.7.0.1/24 dev v-red && mstack exec $red -- $ip link set v-red up"
check "ip under mstack exec configures blue" sh -c \
	"mstack exec $blue -- $ip addr add 10.7.0.2/24 dev v-blue && mstack exec $blue -- $ip link set v-blue up"
has "ip -o addr under mstack exec shows red's address" "10.7.0.1/24" mstack exec "$red" -- $ip -o addr
lacks "the native ip does not see it" 10.7.0 $ip -o addr
# The carrier comes up asynchronously (linkwatch): wait up to 5 s for it.
i=0
until mstack ls -l "$dir" | grep -qF "v-blue       UP " || [ "$i" -ge 50 ]; do
	usleep 100000
	i=$((i + 1))
done
has "mstack ls -l shows both ends" "v-blue       UP             10.7.0.2/24" mstack ls -l "$dir"
check "busybox ping (static, through setns) crosses the veth" \
	mstack exec "$red" -- busybox ping -c 1 -W 5 10.7.0.2

# netcat-openbsd: a server in red, clients in blue.
out=$(mktemp /tmp/nc.XXXXXX)
mstack exec "$red" -- nc.openbsd -lk 10.7.0.1 7300 >"$out" &
pids="$pids $!"
check "nc.openbsd -l under mstack exec listens in red" \
	wait_until mstack exec "$blue" -- nc.openbsd -z -w 2 10.7.0.1 7300
check "nc.openbsd in blue sends to it" sh -c \
	"echo hello-from-blue | mstack exec $blue -- nc.openbsd -N -w 2 10.7.0.1 7300"
check "  and the server in red received it" wait_until grep -q hello-from-blue "$out"
fails "the native stack cannot reach red" 1 nc.openbsd -z -w 2 10.7.0.1 7300
check "LD_PRELOAD and MSOCKET_DEFAULTS by hand, without mstack" \
	env LD_PRELOAD=/usr/lib/libmsocket.so.0 MSOCKET_DEFAULTS="inet=$blue" nc.openbsd -z -w 2 10.7.0.1 7300
check "a user's nc.openbsd in blue reaches red" \
	as_user "mstack exec $blue -- nc.openbsd -z -w 2 10.7.0.1 7300"
check "defaults pass through a static shell to its dynamic children" \
	mstack exec --preload "$blue" -- sh -c "nc.openbsd -z -w 2 10.7.0.1 7300"

# Per family: only the families given move.
check "-f ipv4: nc (AF_INET) is in blue" mstack exec -f ipv4 "$blue" -- nc.openbsd -z -w 2 10.7.0.1 7300
fails_without "-f ipv6: nc (AF_INET) stays native" 1 "mstack:" mstack exec -f ipv6 "$blue" -- nc.openbsd -z -w 2 10.7.0.1 7300
has "-f netlink: ip (AF_NETLINK) is in red" "10.7.0.1/24" mstack exec -f netlink "$red" -- $ip -o addr
lacks "-f inet: ip (AF_NETLINK) stays native" 10.7.0.1 mstack exec -f inet "$red" -- $ip -o addr

# vustack, VUOS's command line, on the same programs.
check "vustack STACK nc: every family" vustack "$blue" nc.openbsd -z -w 2 10.7.0.1 7300
check "vustack -f ipv4" vustack -f ipv4 "$blue" nc.openbsd -z -w 2 10.7.0.1 7300
check "vustack -family inet (VUOS spelling)" vustack -family inet "$blue" nc.openbsd -z -w 2 10.7.0.1 7300
fails_without "vustack -f ip6: nc's AF_INET stays native" 1 "vustack:" vustack -f ip6 "$blue" nc.openbsd -z -w 2 10.7.0.1 7300
check "vustack -s: the supported families" vustack -s "$blue" nc.openbsd -z -w 2 10.7.0.1 7300
has "vustack -v says what it does" "vustack: using $blue for all address families" \
	vustack -v "$blue" nc.openbsd -z -w 2 10.7.0.1 7300

# socat, as an unprivileged user: a server in blue, a client in red.
su -s /bin/sh msuser -c "exec mstack exec $blue -- socat TCP-LISTEN:7301,bind=10.7.0.2,reuseaddr,fork SYSTEM:'echo from-blue'" &
pids="$pids $!"
check "a user's socat listens in blue" wait_until mstack exec "$red" -- nc.openbsd -z -w 2 10.7.0.2 7301
has "a user's socat client in red talks to it" "from-blue" \
	as_user "mstack exec $red -- socat -T 10 - TCP:10.7.0.2:7301 </dev/null"
fails "socat in the native stack cannot" 1 socat -T 2 - TCP:10.7.0.2:7301 </dev/null

# Static programs: LD_PRELOAD cannot reach them; setns can, for root.
has "busybox ip (static): mstack exec uses setns, sees red" "10.7.0.1/24" \
	mstack exec "$red" -- busybox ip -o addr
lacks "busybox ip with --preload forced: still native (nothing to interpose)" 10.7.0.1 \
	mstack exec --preload "$red" -- busybox ip -o addr
check "busybox nc (static) through setns reaches red from blue" \
	sh -c "echo static | mstack exec $blue -- busybox nc 10.7.0.1 7300"
fails_with "a user cannot setns: EPERM, with the reason" 1 "needs CAP_SYS_ADMIN" \
	as_user "mstack exec $red -- busybox ip -o addr"

# --setns as ip netns exec does it: /sys shows the stack's interfaces, and
# /etc/netns/NAME/* is bind-mounted over /etc (NAME: the stack file's name).
touch /etc/resolv.conf
mkdir -p "/etc/netns/${red##*/}" && echo "nameserver 10.7.0.53" >"/etc/netns/${red##*/}/resolv.conf"
has "exec --setns: /sys/class/net is the stack's" "v-red" mstack exec --setns "$red" -- ls /sys/class/net
has "exec --setns: /etc/netns/NAME/resolv.conf is the command's resolv.conf" "10.7.0.53" \
	mstack exec --setns "$red" -- cat /etc/resolv.conf
lacks "  and only the command's: the caller's /sys is as it was" "v-red" ls /sys/class/net
lacks "  and the caller's /etc too" "10.7.0.53" cat /etc/resolv.conf
rm -rf "/etc/netns/${red##*/}"
done_testing
