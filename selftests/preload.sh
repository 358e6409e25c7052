#!/bin/sh
# Unmodified Debian programs in stacks: iproute2's ip, netcat-openbsd and
# socat (dynamically linked) through LD_PRELOAD=libmsocket.so.0 and
# MSOCKET_DEFAULTS, as root and as a user; busybox (static) through
# setns; static programs started by preloaded dash, bash, env and python
# (libmsocket's checks at exec). Two stacks, red and blue, joined by a veth pair:
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
# -t 10: after its stdin (/dev/null) ends, the client waits for the reply
# (socat's default is 0.5 s: too short for a forked server on a busy VM).
has "a user's socat client in red talks to it" "from-blue" \
	as_user "mstack exec $red -- socat -T 10 -t 10 - TCP:10.7.0.2:7301 </dev/null"
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

# Static programs started by a preloaded (dynamic) shell: LD_PRELOAD does
# nothing to them, so libmsocket checks each exec. Root's enter the stack
# as mstack exec --setns does; a user's are refused (EPERM), with a line
# that names the program and the stack, unless the stack is their own.
static=/usr/lib/msocket-tests/static-netns
gnu=/usr/libexec/msocket-gnu
red_id=$(mstack ls -l "$red" | sed -n 's/.*netns-id:\([0-9]*\).*/\1/p')
check "dash, bash, GNU env and a static test program are installed" need /usr/bin/dash /usr/bin/bash $gnu/env $static
has "a static program run by a preloaded dash (exec, no fork) enters the stack (setns)" \
	"netns-id:$red_id lo v-red" mstack exec "$red" -- dash -c "$static"
has "  also when dash vforks for it" "netns-id:$red_id lo v-red" mstack exec "$red" -- dash -c "$static; :"
has "  and from bash" "netns-id:$red_id lo v-red" mstack exec "$red" -- bash -c "$static; :"
has "  and from GNU env (execvp)" "netns-id:$red_id lo v-red" mstack exec "$red" -- $gnu/env $static
has "  and from python's subprocess (vfork, execve)" "netns-id:$red_id lo v-red" \
	mstack exec "$red" -- python3 -c "import subprocess; subprocess.run(['$static'], check=True)"
has "  without MSOCKET_DEFAULTS (its namespace is the stack)" "MSOCKET_DEFAULTS unset" \
	mstack exec "$red" -- dash -c "$static MSOCKET_DEFAULTS; :"
has "  with /sys/class/net of the stack, as mstack exec --setns" "v-red" \
	mstack exec "$red" -- dash -c "busybox ls /sys/class/net; :"
lacks "  and the caller's /sys is as it was" "v-red" ls /sys/class/net
has "a dynamic program run by a preloaded dash is moved by LD_PRELOAD, as before" "10.7.0.1/24" \
	mstack exec "$red" -- dash -c "$ip -o addr; :"
cp $ip /tmp/ip-setuid && chown msuser /tmp/ip-setuid && chmod 4755 /tmp/ip-setuid
has "a program setuid to another user (AT_SECURE ignores LD_PRELOAD) enters the stack too" "v-red" \
	mstack exec "$red" -- dash -c "/tmp/ip-setuid -o link; :"
rm -f /tmp/ip-setuid
fails_with "with defaults per family (exec -f): refused, setns would move every family (dash: 126)" 126 \
	"libmsocket: $static is statically linked: LD_PRELOAD cannot move it to the stack $red, and setns would move every address family" \
	mstack exec -f inet "$red" -- dash -c "$static && :"
fails_with "posix_spawn of a static program: refused (nothing of libmsocket runs in its child)" 1 \
	"and posix_spawn cannot enter the stack's namespace" \
	mstack exec "$red" -- python3 -c "import os; os.posix_spawn('$static', ['x'], os.environ)"
fails_with "a user's static program run by a preloaded dash: refused, EPERM, saying why and what to run" 126 \
	"libmsocket: $static is statically linked: LD_PRELOAD cannot move it to the stack $red, and it cannot enter that stack's namespace (setns: entering the stack's namespace needs CAP_SYS_ADMIN, or a stack of your own (mstack add --new): EPERM (Operation not permitted)); run it with mstack exec --setns $red -- $static, or in the native stack with MSOCKET_DEFAULTS= $static" \
	as_user "mstack exec $red -- dash -c '$static && :'"
has "  dash names the errno" "$static: Operation not permitted" as_user "mstack exec $red -- dash -c '$static; :' || :"
fails_with "  bash refuses it too (126)" 126 "libmsocket: $static is statically linked" \
	as_user "mstack exec $red -- bash -c '$static && :'"
fails_with "  and GNU env (126)" 126 "libmsocket: $static is statically linked" \
	as_user "mstack exec $red -- $gnu/env $static"
has "  MSOCKET_DEFAULTS= runs it in the native stack, on purpose" "$(msocket-which -n /proc/self/ns/net) lo" \
	as_user "mstack exec $red -- dash -c 'MSOCKET_DEFAULTS= $static; :'"
mkdir "$dir/user" && chown msuser "$dir/user"
as_user mstack add "$dir/user/mine" --new
mine_id=$(as_user mstack ls -l "$dir/user/mine" | sed -n 's/.*netns-id:\([0-9]*\).*/\1/p')
has "a user's static program on their own --new stack: entered through its user namespace" \
	"netns-id:$mine_id lo" as_user "mstack exec $dir/user/mine -- dash -c '$static; :'"

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
