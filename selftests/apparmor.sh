#!/bin/sh
# AppArmor still decides: a profile that denies "network inet" to a program
# denies the sockets it asks msocket for, as it denies socket(2)'s (msocket
# makes user sockets with the caller's credentials, so the LSM hooks run);
# and a profile that denies "w" on a stack file denies the stack itself
# (using a stack is opening its stack file for writing, which AppArmor
# mediates at open): by path, through SOCK_DEFAULT, and through a default
# set in the environment (libmsocket's own open of the file).
# On the debug kernel and on Debian's, which boots with AppArmor on.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d /tmp/apparmor.XXXXXX)
confined=/usr/libexec/msocket-aa/msocket-tcp
which=/usr/libexec/msocket-aa/msocket-which
profile=/tmp/msocket-noinet.profile
wprofile=/tmp/msocket-now.profile
trap 'apparmor_parser -R "$profile" 2>/dev/null; apparmor_parser -R "$wprofile" 2>/dev/null;
	umount -l "$dir"; rmdir "$dir"' EXIT

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

check "copies of msocket-tcp and msocket-which for a profile denying w on the stack file" sh -c \
	"cp /usr/bin/msocket-tcp /usr/libexec/msocket-aa/msocket-tcp-now &&
	cp /usr/bin/msocket-which $which"
cat >"$wprofile" <<PROFILE
profile msocket-now /usr/libexec/msocket-aa/{msocket-tcp-now,msocket-which} flags=(attach_disconnected) {
  file,
  capability,
  network,
  deny $dir/blue w,
}
PROFILE
check "load a profile that allows every network family but denies w on the stack file" \
	apparmor_parser -r -K "$wprofile"
native=$(msocket-which inet)
in_stack=$(MSOCKET_DEFAULTS="inet=$dir/blue" msocket-which inet)
check "unconfined, a default in the environment puts socket() in the stack ($in_stack, not $native)" \
	test -n "$in_stack" -a -n "$native" -a "$in_stack" != "$native"
fails_with "confined, msocket by path is denied (EACCES from the open for writing)" 1 \
	"msocket-tcp: msocket: Permission denied" \
	/usr/libexec/msocket-aa/msocket-tcp-now serve "$dir/blue" 127.0.0.1 7778
fails_with "confined, SOCK_DEFAULT on the stack is denied" 1 \
	"msocket-tcp: msocket SOCK_DEFAULT: Permission denied" \
	/usr/libexec/msocket-aa/msocket-tcp-now send "$dir/blue" 127.0.0.1 9 hello
fails_with "confined, socket() with the stack as its default in the environment is denied" 1 \
	"Permission denied" env MSOCKET_DEFAULTS="inet=$dir/blue" $which inet
has "  and the native stack is still the program's own" "$native" $which inet
check "unload the profile" apparmor_parser -R "$wprofile"
done_testing
