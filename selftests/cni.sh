#!/bin/sh
# The chained CNI plugin msocket (tools/cni), run exactly as a container
# runtime runs a plugin list: the CNI spec's CNI_COMMAND, CNI_CONTAINERID,
# CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH, the configuration on
# stdin with the previous plugin's result as prevResult, after Debian's
# bridge and host-local (containernetworking-plugins); DEL in reverse
# order. Then a node agent (msocket-relay, Go) relays, as an unprivileged
# user granted the two stack files by the plugin's mode and group, from
# one container's loopback to another's, which nothing else can reach.
. "$(dirname "$0")/lib.sh"

bin=$(mktemp -d /tmp/cni-bin.XXXXXX)
ipam=$(mktemp -d /tmp/cni-ipam.XXXXXX)
work=$(mktemp -d /tmp/cni-work.XXXXXX)
chmod 755 "$work"
stacks=/run/msocket/cni
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	$ip netns del msctr1 2>/dev/null
	$ip netns del msctr2 2>/dev/null
	$ip link del mscni0 2>/dev/null
	umount -l "$stacks" 2>/dev/null
	rm -rf "$bin" "$ipam" "$work"
}
trap cleanup EXIT
ip=/usr/sbin/ip

check "Debian's CNI plugins, the msocket plugin, msocket-relay, python3, ip and nc are here" \
	need /usr/lib/cni/bridge /usr/lib/cni/host-local msocket-cni msocket-relay python3 $ip nc.openbsd
# CNI_PATH as a runtime has it: the plugin named by "type" is run from there.
cp /usr/lib/cni/bridge /usr/lib/cni/host-local "$bin/"
cp "$(command -v msocket-cni)" "$bin/msocket"

bridge_conf='{"cniVersion":"1.0.0","name":"msnet","type":"bridge","bridge":"mscni0",
"isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","subnet":"10.89.0.0/24",
"dataDir":"'"$ipam"'"}}'
# The msocket plugin's configuration, with $1 as prevResult.
msocket_conf() {
	printf '{"cniVersion":"1.0.0","name":"msnet","type":"msocket","stackDir":"%s",' "$stacks"
	printf '"mode":"0660","group":"msocket","prevResult":%s}' "$1"
}
# Runs plugin $1 with CNI_COMMAND $2 for container $3 in netns $4 with
# CNI_ARGS $5; the configuration on stdin.
plugin() {
	env CNI_COMMAND="$2" CNI_CONTAINERID="$3" CNI_NETNS="$4" CNI_IFNAME=eth0 \
		CNI_ARGS="$5" CNI_PATH="$bin" "$bin/$1"
}
# The runtime's ADD of the list for container $1 (netns $2, CNI_ARGS $3):
# bridge, then msocket with bridge's result; msocket's result is kept.
add() {
	printf '%s' "$bridge_conf" | plugin bridge ADD "$1" "$2" "$3" >"$work/$1.bridge" &&
		msocket_conf "$(cat "$work/$1.bridge")" | plugin msocket ADD "$1" "$2" "$3" >"$work/$1.result"
}
# The runtime's DEL, in reverse order, with the cached result as prevResult.
del() {
	msocket_conf "$(cat "$work/$1.bridge")" | plugin msocket DEL "$1" "$2" "$3" &&
		printf '%s' "$bridge_conf" | plugin bridge DEL "$1" "$2" "$3"
}
same_json() {
	python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$1" "$2"
}

check "the runtime makes two containers' namespaces, loopback up" sh -c \
	"$ip netns add msctr1 && $ip netns add msctr2 && $ip -n msctr1 link set lo up && $ip -n msctr2 link set lo up"
check "ADD ctr1: bridge, then msocket" add ctr1 /run/netns/msctr1 ""
check "  msocket passes bridge's result on unchanged" same_json "$work/ctr1.bridge" "$work/ctr1.result"
has "  it mounted a stackfs on $stacks" "6d736b74" stat -f -c %t "$stacks"
has "  the stack file is the container's id, mode 0660, group msocket" "660 msocket" \
	stat -c "%a %G" "$stacks/ctr1"
has "  bound to the container's namespace: its eth0 has bridge's address" "10.89.0." \
	mstack ls -l "$stacks/ctr1"
check "ADD ctr2 named by the runtime's pod args" add ctr2 /run/netns/msctr2 \
	"IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=db-0"
check "  its stack file is shop_db-0" test -e "$stacks/shop_db-0"
msocket_conf "$(cat "$work/ctr1.bridge")" >"$work/c1.conf"
check "CHECK ctr1 passes (as the runtime runs it)" sh -c \
	"env CNI_COMMAND=CHECK CNI_CONTAINERID=ctr1 CNI_NETNS=/run/netns/msctr1 CNI_IFNAME=eth0 $bin/msocket <$work/c1.conf"
fails_with "CHECK ctr1 against another namespace fails with the plugin's error 100" 1 '"code":100' \
	sh -c "env CNI_COMMAND=CHECK CNI_CONTAINERID=ctr1 CNI_NETNS=/run/netns/msctr2 CNI_IFNAME=eth0 $bin/msocket <$work/c1.conf"
has "VERSION lists the spec versions" '"supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]' \
	sh -c "echo '{\"cniVersion\":\"1.0.0\"}' | env CNI_COMMAND=VERSION $bin/msocket"
fails_with "a configuration of another spec version: error 1" 1 '"code":1,' \
	sh -c "echo '{\"cniVersion\":\"2.0.0\",\"type\":\"msocket\"}' | env CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_NETNS=/run/netns/msctr1 $bin/msocket"

# The node agent: a plain user in group msocket relays ctr1's 127.0.0.1:9100
# to ctr2's 127.0.0.1:9200. Each loopback exists only in its container.
$ip netns exec msctr2 nc.openbsd -l 127.0.0.1 9200 >"$work/received" &
pids="$pids $!"
check "  (a server on ctr2's loopback)" wait_until $ip netns exec msctr2 sh -c "cat /proc/net/tcp | grep -q ':23F0 00000000:0000 0A'"
as_user "msocket-relay -n 1 $stacks/ctr1 127.0.0.1:9100 $stacks/shop_db-0 127.0.0.1:9200" \
	>"$work/relay.log" 2>&1 &
pids="$pids $!"
check "a user's node agent listens in ctr1 and connects in shop_db-0" \
	wait_until $ip netns exec msctr1 sh -c "cat /proc/net/tcp | grep -q ':238C 00000000:0000 0A'"
check "  a client in ctr1 sends through it" sh -c \
	"echo hello-from-ctr1 | $ip netns exec msctr1 nc.openbsd -N -w 5 127.0.0.1 9100"
check "  ctr2's server received it" wait_until grep -q hello-from-ctr1 "$work/received"
fails "the host cannot reach either loopback service" 1 nc.openbsd -z -w 1 127.0.0.1 9100

check "DEL ctr1: msocket, then bridge" del ctr1 /run/netns/msctr1 ""
fails "  the stack file is gone" 1 test -e "$stacks/ctr1"
check "  DEL again succeeds (the spec: DEL of what is gone is no error)" del ctr1 /run/netns/msctr1 ""
check "DEL ctr2" del ctr2 /run/netns/msctr2 "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=db-0"
has "  the stack directory is empty" "0" sh -c "ls -A $stacks | wc -l"

done_testing
