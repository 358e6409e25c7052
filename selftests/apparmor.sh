#!/bin/sh
# AppArmor still decides: a profile that denies "network inet" to a program
# denies the sockets it asks msocket for, as it denies socket(2)'s (msocket
# makes user sockets with the caller's credentials, so the LSM hooks run).
# On the debug kernel and on Debian's, which boots with AppArmor on.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d /tmp/apparmor.XXXXXX)
confined=/usr/libexec/msocket-aa/msocket-tcp
profile=/tmp/msocket-noinet.profile
trap 'apparmor_parser -R "$profile" 2>/dev/null; umount -l "$dir"; rmdir "$dir"' EXIT

check "apparmor_parser, msocket-tcp and mstack are installed" need apparmor_parser msocket-tcp mstack
grep -q securityfs /proc/mounts || mount -t securityfs none /sys/kernel/security
has "AppArmor is enabled" "Y" cat /sys/module/apparmor/parameters/enabled
check "a stack anyone may use" sh -c "mount -t stackfs none $dir && mstack add -m 0666 $dir/blue --new"
check "a copy of msocket-tcp for the profile to attach to" sh -c \
	"mkdir -p ${confined%/*} && cp /usr/bin/msocket-tcp $confined"
cat >"$profile" <<PROFILE
profile msocket-noinet $confined {
  file,
  capability,
  network unix,
  network netlink,
  deny network inet,
  deny network inet6,
}
PROFILE
has "unconfined, it gets its socket (connect is refused: nobody listens)" "Connection refused" \
	sh -c "$confined send $dir/blue 127.0.0.1 9 hello 2>&1; true"
check "load a profile that denies network inet to it" apparmor_parser -r -K "$profile"
has "  the profile is loaded, in enforce mode" "msocket-noinet (enforce)" \
	cat /sys/kernel/security/apparmor/profiles
has "confined, its AF_INET socket in the stack is denied (EACCES)" "msocket-tcp: socket: Permission denied" \
	sh -c "$confined send $dir/blue 127.0.0.1 9 hello 2>&1; true"
lacks "  and it never got as far as connect" "Connection refused" \
	sh -c "$confined send $dir/blue 127.0.0.1 9 hello 2>&1; true"
fails_with "confined, msocket by path is denied too, before any listen" 1 "msocket-tcp: msocket: " \
	$confined serve "$dir/blue" 127.0.0.1 7777
has "another program is not confined by it" "Connection refused" \
	sh -c "msocket-tcp send $dir/blue 127.0.0.1 9 hello 2>&1; true"
check "unload the profile" apparmor_parser -R "$profile"
done_testing
