#!/bin/sh
# mstack for the people who hold namespaces elsewhere and for daemons:
# `ip netns`'s verbs (list, del, identify), `link set` (an interface into
# a stack, from the native stack or from another stack), and `listen`:
# listening sockets made in two stacks and handed to an unmodified,
# plain-user daemon through LISTEN_FDS (sd_listen_fds(3)), which then
# serves in both namespaces.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d /tmp/mstack-ns.XXXXXX)
mount -t stackfs none "$dir" || { echo "not ok 1 mount stackfs"; echo "1..1"; exit 1; }
chmod 755 "$dir"
export MSOCKET_STACKFS="$dir"
work=$(mktemp -d /tmp/mstack-ns-work.XXXXXX)
chmod 755 "$work"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip link del msl0 2>/dev/null
	umount -l "$dir"
	rmdir "$dir"
	rm -rf "$work"
}
trap cleanup EXIT
ip=/usr/sbin/ip
uid=$(id -u msuser)

check "mstack, python3, nc.openbsd, ip and su are installed" need mstack python3 nc.openbsd $ip su
check "mstack add red --new (names in \$MSOCKET_STACKFS)" mstack add -m 0666 red --new
check "mstack add blue --new" mstack add -m 0666 blue --new
chmod 666 "$dir/red" "$dir/blue"

# --- ip netns's verbs ----------------------------------------------------------
has "mstack list is ls" "red" mstack list
check "mstack add gone --new" mstack add gone --new
check "mstack del removes a stack" mstack del gone
fails "  it is gone" 1 stat "$dir/gone"
check "mstack delete is rm too" sh -c "mstack add gone2 --new && mstack delete gone2 && ! [ -e $dir/gone2 ]"

# --- identify ------------------------------------------------------------------
mstack exec --setns red -- sleep 60 &
sleeper=$!
pids="$pids $sleeper"
check "identify PID names the stack of a process's namespace" \
	wait_until sh -c "mstack identify $sleeper | grep -qx red"
lacks "  and not another stack's" "blue" mstack identify "$sleeper"
check "mstack add self --netns /proc/self/ns/net" mstack add self --netns /proc/self/ns/net
has "identify (this process) names the native stack's file" "self" mstack identify
lacks "  and only it" "red" mstack identify
fails_with "identify of no process: ENOENT" 1 "/proc/999999/ns/net: ENOENT" mstack identify 999999

# --- link set ------------------------------------------------------------------
check "a dummy interface in the native stack" $ip link add msl0 type dummy
check "link set moves it into red" mstack link set msl0 red
has "  red has it" "msl0" mstack ls -l red
fails "  the native stack has it no more" 1 $ip link show msl0
check "link set --from red moves it on to blue (the route socket is made in red)" \
	mstack link set msl0 blue --from red
has "  blue has it" "msl0" mstack ls -l blue
lacks "  red has it no more" "msl0" mstack ls -l red
fails_with "link set of an interface the stack lacks: ENODEV" 1 "ENODEV" \
	mstack link set nosuch0 red
fails_with "a user may not move interfaces: EPERM" 1 "EPERM" \
	as_user mstack link set msl0 "$dir/red" --from "$dir/blue"
fails_with "link set into a file that is no stack: EOPNOTSUPP" 1 "EOPNOTSUPP" \
	mstack link set msl0 /etc/passwd --from blue

# --- listen: socket activation across stacks -----------------------------------
# The daemon knows sd_listen_fds(3)'s protocol and nothing of msocket: it
# serves each connection (or datagram) with the name of the fd it came
# through and its uid, until it has served $1 of them.
cat >"$work/daemon.py" <<'EOF'
import os
import selectors
import socket
import sys

assert int(os.environ["LISTEN_PID"]) == os.getpid(), "LISTEN_PID is not mine"
n = int(os.environ["LISTEN_FDS"])
names = os.environ["LISTEN_FDNAMES"].split(":")
assert len(names) == n, "LISTEN_FDNAMES does not match LISTEN_FDS"
sel = selectors.DefaultSelector()
for i, name in enumerate(names):
    sel.register(socket.socket(fileno=3 + i), selectors.EVENT_READ, name)
print("serving", n, flush=True)
served = 0
while served < int(sys.argv[1]):
    for key, _ in sel.select():
        s, answer = key.fileobj, f"{key.data} uid={os.getuid()}\n".encode()
        if s.type == socket.SOCK_STREAM:
            conn, _ = s.accept()
            conn.sendall(answer)
            conn.close()
        else:
            _, peer = s.recvfrom(100)
            s.sendto(answer, peer)
        served += 1
EOF
as_user "mstack listen -v $dir/blue:tcp:127.0.0.1:7500 web=$dir/red:tcp:127.0.0.1:7500 \
	$dir/red:udp:127.0.0.1:7501 $dir/red:unix:@msctl -- python3 $work/daemon.py 4" >"$work/daemon.log" 2>&1 &
daemon=$!
pids="$pids $daemon"
check "a user's daemon under mstack listen gets its 4 sockets" \
	wait_until grep -q "serving 4" "$work/daemon.log"
has "  -v says which fd is which" "fd 4 (web): tcp 127.0.0.1:7500 in $dir/red" cat "$work/daemon.log"
# One address, 127.0.0.1:7500, in two namespaces: each its own loopback.
has "a client in blue reaches the daemon's blue socket" "blue uid=$uid" \
	mstack exec blue -- nc.openbsd -N -w 5 127.0.0.1 7500 </dev/null
has "a client in red reaches its red one (named web)" "web uid=$uid" \
	mstack exec red -- nc.openbsd -N -w 5 127.0.0.1 7500 </dev/null
has "a UDP client in red gets its answer" "red uid=$uid" \
	sh -c "echo ping | mstack exec red -- nc.openbsd -u -w 2 127.0.0.1 7501"
has "an abstract unix socket of red's namespace answers there" "red uid=$uid" \
	mstack exec --setns red -- python3 -c '
import socket
s = socket.socket(socket.AF_UNIX)
s.connect("\0msctl")
print(s.recv(100).decode())'
check "  the daemon served the 4 and exited" wait_until sh -c "! kill -0 $daemon"
fails "the native stack has no listener on 127.0.0.1:7500" 1 nc.openbsd -z -w 2 127.0.0.1 7500

chmod 644 "$dir/blue"
fails_with "listen in a stack the user may not write: EACCES, with the stack named" 1 \
	"$dir/blue: tcp 127.0.0.1:7502: EACCES" \
	as_user "mstack listen $dir/blue:tcp:127.0.0.1:7502 -- true"
fails_with "listen with a malformed socket: usage error (2)" 2 "expected [NAME=]STACK:PROTO:ADDRESS" \
	mstack listen blue:tcp:nowhere -- true
fails_with "listen with a protocol it does not know: usage error (2)" 2 "unknown protocol 'sctp'" \
	mstack listen blue:sctp:127.0.0.1:1 -- true
fails_with "listen without a command: usage error (2)" 2 "CMD" mstack listen blue:tcp:127.0.0.1:1
fails "listen with a command that is not there: 127" 127 mstack listen red:tcp:127.0.0.1:7503 -- /nonexistent
mstack exec red -- nc.openbsd -lk 127.0.0.1 7504 &
pids="$pids $!"
check "  (a listener on red's 127.0.0.1:7504)" wait_until mstack exec red -- nc.openbsd -z 127.0.0.1 7504
fails_with "listen on an address in use: EADDRINUSE" 1 "EADDRINUSE" \
	mstack listen red:tcp:127.0.0.1:7504 -- true
has "LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES reach the command, fds 3 and 4 open" "2 ok a:b" \
	mstack listen a=red:tcp:127.0.0.1:7505 b=blue:udp:127.0.0.1:7505 -- sh -c \
	'[ "$LISTEN_PID" = $$ ] && [ -e /proc/self/fd/3 ] && [ -e /proc/self/fd/4 ] && echo "$LISTEN_FDS ok $LISTEN_FDNAMES"'

# --- up and down (what msocket-stack@NAME.service runs) ------------------------
nsid() { mstack ls -l "$1" | grep -o 'netns-id:[0-9]*'; }
has "up makes a stack with a new namespace, its owner, group and mode" "made with a new namespace" \
	mstack up -v -m 0640 --owner msuser --group 0 boot1
has "  exactly that mode (no umask), owner and group" "640 $uid 0" stat -c '%a %u %g' "$dir/boot1"
id1=$(nsid boot1) || id1="(no netns-id for boot1)"
has "up again: the stack there already is kept" "there already" mstack up -v -m 0660 --group msuser boot1
has "  the same namespace" "$id1" mstack ls -l boot1
has "  the new mode and group set" "660 $uid $(id -g msuser)" stat -c '%a %u %g' "$dir/boot1"
check "ip netns add mstest" $ip netns add mstest
check "up --netns /run/netns/mstest binds an ip netns namespace" mstack up --netns /run/netns/mstest imp
check "  again: the same namespace, no error" mstack up --netns /run/netns/mstest imp
fails_with "up --netns of another namespace than the stack's: EEXIST" 1 "mstack down it first" \
	mstack up --netns /run/netns/mstest boot1
fails_with "up of an unknown owner: ENOENT, named" 1 "user 'nobody-here': no such user" \
	mstack up --owner nobody-here boot2
fails "  and no stack is left" 1 stat "$dir/boot2"
touch "$work/plain"
fails_with "up over a file that is no stack: EEXIST" 1 "exists and is not a stack file" mstack up "$work/plain"
check "up --export names the namespace for ip netns" mstack up --export exp
check "  ip -n exp adds an interface" $ip -n exp link add ms0 type dummy
has "  in the stack's namespace" "ms0" mstack ls -l exp
has "down --export: the /run/netns name and the stack go" "/run/netns/exp removed, removed" \
	mstack down -v --export exp
fails "  /run/netns/exp is gone" 1 stat /run/netns/exp
fails "  /dev/net/exp too" 1 stat "$dir/exp"
has "down of a stack not there succeeds" "not there" mstack down -v exp
check "down of the imported stack (no --export)" mstack down imp
has "  leaves ip netns's own name" "mstest" $ip netns list
fails_with "down of a file that is no stack: EOPNOTSUPP" 1 "not a stack file" mstack down "$work/plain"
check "mstack down boot1" mstack down boot1
$ip netns del mstest

done_testing
