#!/bin/sh
# A set-user-ID program linked with libmsocket ignores MSOCKET_DEFAULTS
# (AT_SECURE, as secure_getenv(3) does): the user who runs it cannot steer
# its sockets into a stack only its raised credentials (root's) may use.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d /tmp/secure-env.XXXXXX)
suid=/tmp/msocket-which-suid
trap 'umount -l "$dir"; rmdir "$dir"; rm -f "$suid"' EXIT
native=$(msocket-which -n /proc/self/ns/net)

check "msocket-which, mstack and su are installed" need msocket-which mstack su
check "a stack only root may use (mode 0600)" sh -c \
	"mount -t stackfs none $dir && chmod 755 $dir && mstack add -m 0600 $dir/root-only --new"
stack=$(mstack ls -l "$dir/root-only" | sed -n 's/.*\(netns-id:[0-9]*\).*/\1/p')
check "  its namespace is not the native one" test -n "$stack" -a "$stack" != "$native"
has "root's own program follows MSOCKET_DEFAULTS into it" "$stack" \
	env MSOCKET_DEFAULTS="inet=$dir/root-only" msocket-which inet
check "a set-user-ID root copy of the program" sh -c "cp /usr/bin/msocket-which $suid && chmod 4755 $suid"
has "the user's MSOCKET_DEFAULTS is ignored there: native stack" "$native" \
	as_user "MSOCKET_DEFAULTS=inet=$dir/root-only $suid inet"
fails_with "the user's own program is refused the stack (EACCES)" 1 "Permission denied" \
	as_user "MSOCKET_DEFAULTS=inet=$dir/root-only msocket-which inet"
done_testing
