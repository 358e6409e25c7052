#!/bin/sh
# /dev/net/tun beside the stacks: `mstack mount` mounts stackfs on /dev/net
# and keeps the tun device node there, which OpenVPN, WireGuard, QEMU,
# slirp4netns and pasta open. Runs in a mount namespace of its own, so that
# the other tests' /dev/net is not touched.
if [ -z "${TUN_SH_NS:-}" ]; then
	exec env TUN_SH_NS=1 unshare -m "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

check "mstack and ip are installed" need mstack /usr/sbin/ip
has "devtmpfs has /dev/net/tun, a character device 10,200" "10, 200" ls -l /dev/net/tun
check "mstack mount /dev/net" mstack mount /dev/net
has "a stackfs is on /dev/net" "/dev/net stackfs" cat /proc/mounts
has "/dev/net/tun is still the tun device" "10, 200" ls -l /dev/net/tun
check "a stack beside it" mstack add -m 0666 /dev/net/blue --new
has "  which works as one" "inet" mstack probe /dev/net/blue
fails_with "tun is no stack: EOPNOTSUPP" 1 "EOPNOTSUPP" mstack probe /dev/net/tun
check "ip tuntap opens /dev/net/tun and makes tun0" /usr/sbin/ip tuntap add dev msocket-tun0 mode tun
check "  which can be configured" sh -c \
	"/usr/sbin/ip addr add 10.9.0.1/24 dev msocket-tun0 && /usr/sbin/ip link set msocket-tun0 up"
has "  and is there" "10.9.0.1/24" /usr/sbin/ip -o addr show msocket-tun0
check "remove it" /usr/sbin/ip tuntap del dev msocket-tun0 mode tun
check "mstack umount /dev/net" mstack umount /dev/net
lacks "no stackfs left on /dev/net" "/dev/net stackfs" cat /proc/mounts
has "and devtmpfs's tun is back" "10, 200" ls -l /dev/net/tun
done_testing
