#!/bin/sh
# mstack and vustack: every subcommand, its output, its errors (with the
# errno names) and its exit codes; as root and as an unprivileged user.
. "$(dirname "$0")/lib.sh"

dir=$(mktemp -d /tmp/mstack.XXXXXX)
mount -t stackfs none "$dir" || { echo "not ok 1 mount stackfs"; echo "1..1"; exit 1; }
chmod 755 "$dir"
trap 'umount -l "$dir"; rmdir "$dir"' EXIT
ns_of() { msocket-which -n "$1" | sed -n 's/^netns-id://p'; }

# --- add ---------------------------------------------------------------------
check "mstack, vustack and ip are installed" need mstack vustack /usr/sbin/ip stat su msocket-which
check "add --new makes a stack file" mstack add "$dir/red" --new
# stat %f is the raw st_mode in hexadecimal: e1a4 is S_IFSTACK | 0644.
has "it stats as S_IFSTACK | 0644 (0666 less the umask)" "e1a4" stat -c %f "$dir/red"
check "add -m 0600" mstack add -m 0600 "$dir/blue" --new
has "  gives mode 600" "600" stat -c %a "$dir/blue"
check "add --pid 1" mstack add "$dir/init" --pid 1
has "  binds init's namespace" "netns-id:$(ns_of /proc/1/ns/net) init" mstack ls -l "$dir"
check "add --netns FILE (an nsfs file)" mstack add "$dir/self" --netns /proc/self/ns/net
has "  binds that namespace" "netns-id:$(ns_of /proc/self/ns/net) self" mstack ls -l "$dir"
check "add --netns STACK (another stack file)" mstack add "$dir/alias" --netns "$dir/red"
red_id=$(mstack ls -l "$dir/red" | sed -n 's/.*netns-id:\([0-9]*\).*/\1/p')
has "  binds the same namespace as that stack" "netns-id:$red_id $dir/alias" mstack ls -l "$dir/alias"
check "a new namespace is not the caller's" sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' sh \
	"$red_id" "$(ns_of /proc/self/ns/net)"
has "a new namespace has loopback up with its addresses" "lo           UP             127.0.0.1/8" \
	mstack ls -l "$dir/red"
fails_with "add over an existing file: EEXIST" 1 "mstack: $dir/red: EEXIST (File exists)" \
	mstack add "$dir/red" --new
fails_with "add in a missing directory: ENOENT" 1 "mstack: $dir/no/x: ENOENT (No such file or directory)" \
	mstack add "$dir/no/x" --new
fails_with "add outside a stackfs: EOPNOTSUPP" 1 "mstack: /tmp/x: EOPNOTSUPP (Operation not supported)" \
	mstack add /tmp/x --new
fails_with "add --netns of a file that is no namespace: EINVAL" 1 "mstack: $dir/x: EINVAL (Invalid argument)" \
	mstack add "$dir/x" --netns /etc/passwd
fails_with "add --netns of a missing file: ENOENT" 1 "mstack: /nonexistent: ENOENT" \
	mstack add "$dir/x" --netns /nonexistent
fails_with "add --pid of no process: ENOENT" 1 "mstack: /proc/999999/ns/net: ENOENT" \
	mstack add "$dir/x" --pid 999999
fails "add without a namespace: usage error (2)" 2 mstack add "$dir/x"
fails "add with two namespaces: usage error (2)" 2 mstack add "$dir/x" --new --pid 1
fails_with "add -m 9: usage error (2)" 2 "is not an octal mode" mstack add -m 9 "$dir/x" --new
mkdir "$dir/user" && chown msuser "$dir/user"
fails_with "a user cannot add to root's directory: EACCES" 1 "EACCES (Permission denied)" \
	as_user mstack add "$dir/mine" --new
fails_with "a user cannot bind the initial namespace: EPERM" 1 "EPERM (Operation not permitted)" \
	as_user mstack add "$dir/user/init" --netns /proc/self/ns/net
check "a user can add --new in their own directory (a user namespace of theirs)" \
	as_user mstack add "$dir/user/mine" --new
has "  and owns it, loopback up" "msuser msuser" as_user mstack ls -l "$dir/user"
has "  and can use it" "127.0.0.1/8" as_user mstack ls -l "$dir/user/mine"
mine_id=$(as_user mstack ls -l "$dir/user/mine" | sed -n 's/.*netns-id:\([0-9]*\).*/\1/p')
check "  ip (preloaded) adds an interface to it, as the user" \
	as_user mstack exec "$dir/user/mine" -- /usr/sbin/ip link add msd0 type dummy
has "exec --setns into a user's own --new stack: it joins the stack's user namespace first" \
	"netns-id:$mine_id" as_user mstack exec --setns "$dir/user/mine" -- msocket-which -n /proc/self/ns/net
has "  the command sees the stack's interfaces in /sys/class/net" "msd0" \
	as_user mstack exec --setns "$dir/user/mine" -- ls /sys/class/net
has "  and with ip -o link" "msd0: <BROADCAST,NOARP>" \
	as_user mstack exec --setns "$dir/user/mine" -- /usr/sbin/ip -o link
has "  as uid 0 of that user namespace, which is msuser (1000) outside" "uid=0 map=0 1000 1" \
	as_user mstack exec --setns "$dir/user/mine" -- \
	sh -c "'echo uid=\$(id -u) map=\$(echo \$(cat /proc/self/uid_map))'"
has "  -v says so" "belongs to a user namespace of yours: entered it first (uid 1000 here is uid 0 there)" \
	as_user mstack exec -v --setns "$dir/user/mine" -- true
has "a user's static program on their own stack: exec falls back to setns through the user namespace" \
	"msd0" as_user mstack exec "$dir/user/mine" -- busybox ip -o link
as_user chmod 666 "$dir/user/mine"
as_other() { su -s /bin/sh msother -c "$*"; }
fails_with "another user (msother) cannot enter it, though its file lets them make sockets: EPERM, exit 1" 1 \
	"mstack: $dir/user/mine: setns: entering the stack's namespace needs CAP_SYS_ADMIN, or a stack of your own (mstack add --new): EPERM (Operation not permitted)" \
	as_other mstack exec --setns "$dir/user/mine" -- true
fails_with "  nor through the static-program fallback" 1 "needs CAP_SYS_ADMIN, or a stack of your own" \
	as_other mstack exec "$dir/user/mine" -- busybox true
has "  and still makes sockets there through preload (the file's w bit)" "msd0" \
	as_other mstack exec "$dir/user/mine" -- /usr/sbin/ip -o link
has "root enters a user's --new stack directly (CAP_SYS_ADMIN over it)" "msd0" \
	mstack exec --setns "$dir/user/mine" -- ls /sys/class/net

# --- ls ----------------------------------------------------------------------
mkdir "$dir/sub"
has "ls lists stacks and subdirectories, sorted" "alias
blue
init
red
self
sub/
user/" mstack ls "$dir"
has "ls of a stack file lists it" "$dir/red" mstack ls "$dir/red"
fails_with "ls of a missing directory: ENOENT" 1 "mstack: /nonexistent: ENOENT" mstack ls /nonexistent
# /dev/net is everyone's: this one is mounted in a mount namespace of its own.
has "ls without DIR lists /dev/net" "dflt" unshare -m sh -c \
	'mount -t stackfs none /dev/net && mstack add /dev/net/dflt --new && mstack ls'
mstack exec "$dir/red" -- /usr/sbin/ip link add v0 type veth peer name v1
mstack exec "$dir/red" -- /usr/sbin/ip addr add 10.9.0.1/24 dev v0
mstack exec "$dir/red" -- /usr/sbin/ip link set v0 up
mstack exec "$dir/red" -- /usr/sbin/ip link set v1 up
has "ls -l shows interfaces, state and addresses (read by rtnetlink in the stack)" \
	"v0           UP             10.9.0.1/24" mstack ls -l "$dir/red"
has "ls -l shows mode, owner and group" "rw------- root root" mstack ls -l "$dir/blue"
chmod 644 "$dir/red"
has "ls -l without w: the interfaces are not readable" "(interfaces: EACCES (Permission denied))" \
	as_user mstack ls -l "$dir/red"
has "ls -l without r: the namespace id is not readable" "rw------- root root netns-id:? blue" \
	as_user mstack ls -l "$dir"
chmod 666 "$dir/red"

has "ls -j: a JSON array, as ip -j netns" "{\"name\":\"red\",\"path\":\"$dir/red\",\"type\":\"stack\"}" \
	mstack -j ls "$dir"
has "ls -l -j: namespace id and interfaces in JSON" \
	"\"netns_id\":$red_id,\"interfaces\":[{\"name\":\"lo\",\"state\":\"UP\",\"addresses\":[\"127.0.0.1/8\"" \
	mstack ls -l -j "$dir/red"
# A group with more members than one page of getgrgid_r's buffer holds.
members=$(seq -w 1 2000 | sed 's/^/member/' | tr '\n' ',' | sed 's/,$//')
echo "biggroup:x:3000:$members" >>/etc/group
check "  (an /etc/group entry of more than 16 kB)" test "$(grep -c "^biggroup:x:3000:member0001,.*,member2000$" /etc/group)" -eq 1
chgrp 3000 "$dir/blue"
has "ls -l names a group whose entry needs a large buffer" "rw------- root biggroup" mstack ls -l "$dir/blue"
chgrp 0 "$dir/blue"

# --- probe -------------------------------------------------------------------
has "probe lists inet" "2 inet" mstack probe "$dir/red"
has "probe -j: JSON" "{\"family\":2,\"name\":\"inet\"}" mstack probe -j "$dir/red"
has "probe lists inet6" "10 inet6" mstack probe "$dir/red"
has "probe lists unix, netlink, packet" "1 unix" mstack probe "$dir/red"
lacks "probe does not list irda (not in this kernel)" irda mstack probe "$dir/red"
fails_with "probe of a file that is not a stack: EOPNOTSUPP" 1 "mstack: /etc/passwd: EOPNOTSUPP" \
	mstack probe /etc/passwd
fails_with "probe without w: EACCES" 1 "EACCES" as_user mstack probe "$dir/blue"

fails_with "msocket-tcp reports msocket's errno, not the one printf left" 1 \
	"msocket-tcp: msocket: No such file or directory" sh -c "msocket-tcp serve $dir/none 127.0.0.1 1 >&-"

# --- exec --------------------------------------------------------------------
env_of() { mstack exec --preload "$@" -- sh -c 'echo "D=$MSOCKET_DEFAULTS P=$LD_PRELOAD"'; }
has "exec sets every family by default" "D=*=$dir/red P=/usr/lib/libmsocket.so.0" env_of "$dir/red"
has "exec -f takes names, numbers and aliases" "D=unix=$dir/red,inet=$dir/red,inet6=$dir/red" \
	env_of -f ipv4,1 -f ip6 "$dir/red"
has "exec -f ip is inet,inet6,netlink,packet" \
	"D=inet=$dir/red,inet6=$dir/red,netlink=$dir/red,packet=$dir/red" env_of -f ip "$dir/red"
has "exec -s sets the supported families" \
	"D=unix=$dir/red,inet=$dir/red,inet6=$dir/red,netlink=$dir/red,packet=$dir/red" env_of -s "$dir/red"
has "exec -f keeps the other families' inherited defaults" "D=inet=$dir/blue,inet6=$dir/red" \
	env MSOCKET_DEFAULTS="inet=$dir/blue" mstack exec --preload -f inet6 "$dir/red" -- \
	sh -c 'echo "D=$MSOCKET_DEFAULTS"'
has "exec stores a relative stack path (./NAME) absolute" "D=*=$dir/red" \
	sh -c "cd $dir && mstack exec --preload ./red -- sh -c 'echo \"D=\$MSOCKET_DEFAULTS\"'"
has "exec keeps an existing LD_PRELOAD after libmsocket" "P=/usr/lib/libmsocket.so.0:/x.so" \
	env LD_PRELOAD=/x.so mstack exec --preload "$dir/red" -- sh -c 'echo "P=$LD_PRELOAD"'
has "exec -v says what it does" "mstack: using $dir/red for the address families inet(2)" \
	mstack exec -v --preload -f inet "$dir/red" -- true
fails "exec passes the command's exit status" 7 mstack exec "$dir/red" -- sh -c 'exit 7'
fails_with "exec of a missing command: 127" 127 "mstack: no-such-cmd: ENOENT" \
	mstack exec "$dir/red" -- no-such-cmd
fails_with "exec of a file that cannot run: 126" 126 "mstack: /etc/passwd: EACCES" \
	mstack exec --preload "$dir/red" -- /etc/passwd
fails_with "exec on a missing stack: ENOENT" 1 "mstack: $dir/none: ENOENT" \
	mstack exec "$dir/none" -- true
fails_with "exec on a file that is not a stack: EOPNOTSUPP" 1 "mstack: /etc/passwd: EOPNOTSUPP" \
	mstack exec /etc/passwd -- true
fails_with "exec -f of a family the stack lacks: EAFNOSUPPORT" 1 \
	"mstack: $dir/red: irda: EAFNOSUPPORT (Address family not supported by protocol)" \
	mstack exec --preload -f ir "$dir/red" -- true
fails_with "exec -f of an unknown family: usage error" 2 "unknown protocol family bogus" \
	mstack exec -f bogus "$dir/red" -- true
fails_with "exec --setns with -f: usage error" 2 "setns moves every address family at once" \
	mstack exec --setns -f inet "$dir/red" -- true
fails_with "exec of a static program with -f: usage error that says why" 2 "statically linked" \
	mstack exec -f inet "$dir/red" -- busybox true
{ printf '\177ELF\001\001\001'; head -c 57 /dev/zero; } >/tmp/elf32 && chmod 755 /tmp/elf32
fails_with "exec of a 32-bit program with -f: refused, saying why (no 64-bit preload into it)" 2 \
	"is a 32-bit program (the 64-bit libmsocket cannot be preloaded into it)" \
	mstack exec -f inet "$dir/red" -- /tmp/elf32
rm -f /tmp/elf32
fails_with "exec without w on the stack: EACCES" 1 "mstack: $dir/blue: EACCES" \
	as_user mstack exec --preload "$dir/blue" -- true
fails_with "exec with a bad inherited MSOCKET_DEFAULTS: the entry is named" 1 \
	'MSOCKET_DEFAULTS: entry "inet=rel": the path is not absolute' \
	env MSOCKET_DEFAULTS=inet=rel mstack exec --preload -f inet6 "$dir/red" -- true
fails_with "a user's static program: setns needs CAP_SYS_ADMIN (EPERM)" 1 \
	"setns: entering the stack's namespace needs CAP_SYS_ADMIN, or a stack of your own (mstack add --new): EPERM (Operation not permitted)" \
	as_user mstack exec "$dir/red" -- busybox true
cp /usr/bin/nc.openbsd /tmp/nc-setuid && chmod 4755 /tmp/nc-setuid
fails_with "a setuid program (LD_PRELOAD would be ignored): exec uses setns" 1 \
	"is setuid, setgid or has file capabilities (LD_PRELOAD is ignored): LD_PRELOAD cannot reach it, using setns" \
	mstack exec -v "$dir/red" -- /tmp/nc-setuid -z -w 1 127.0.0.1 1
rm -f /tmp/nc-setuid
has "exec --setns runs in the stack's namespace" "netns-id:$red_id" \
	mstack exec --setns "$dir/red" -- msocket-which -n /proc/self/ns/net
has "  and clears inherited defaults" "D= " \
	env MSOCKET_DEFAULTS="*=$dir/blue" mstack exec --setns "$dir/red" -- sh -c 'echo "D=$MSOCKET_DEFAULTS "'

# --- stack NAMEs: an operand without a '/' is a stack of /dev/net ----------
# /dev/net is everyone's: $dir is bound over it in a mount namespace of its own.
in_devnet() { unshare -m sh -c "mount --bind $dir /dev/net && $*"; }
has "exec NAME runs in /dev/net/NAME (setns)" "netns-id:$red_id" \
	in_devnet mstack exec --setns red -- msocket-which -n /proc/self/ns/net
has "exec NAME (preload) makes /dev/net/NAME the default" "D=*=/dev/net/red" \
	in_devnet "mstack exec --preload red -- sh -c 'echo D=\$MSOCKET_DEFAULTS'"
has "ls -l NAME lists /dev/net/NAME" "netns-id:$red_id /dev/net/red" in_devnet mstack ls -l red
has "ls without DIR lists /dev/net (here $dir bound there)" "red" in_devnet mstack ls
has "probe NAME probes /dev/net/NAME" "2 inet" in_devnet mstack probe red
check "add NAME makes /dev/net/NAME" in_devnet "mstack add green --new && test -e $dir/green"
has "add --netns NAME binds the namespace of /dev/net/NAME" "netns-id:$red_id /dev/net/crimson" \
	in_devnet "mstack add crimson --netns red && mstack ls -l /dev/net/crimson"
check "rm NAME... removes /dev/net/NAME" in_devnet "mstack rm green crimson && ! test -e $dir/green && ! test -e $dir/crimson"
has "MSOCKET_STACKFS names another default stackfs" "netns-id:$red_id" \
	env MSOCKET_STACKFS="$dir" mstack exec --setns red -- msocket-which -n /proc/self/ns/net
fails_with "a NAME is not looked up in the current directory" 1 "mstack: /dev/net/red: ENOENT" \
	sh -c "cd $dir && unshare -m sh -c 'mount -t tmpfs none /dev/net && mstack probe red'"
has "./NAME is the file of the current directory" "2 inet" \
	sh -c "cd $dir && unshare -m sh -c 'mount -t tmpfs none /dev/net && mstack probe ./red'"
fails_with "'..' is not a stack name: usage error saying what to write" 2 \
	"mstack: '..' is not a stack name of /dev/net: for the directory, write ../" mstack exec .. -- true
has "vustack's stack stays a path, as in VUOS (NAME is ./NAME)" "vustack: using red for all address families" \
	sh -c "cd $dir && unshare -m sh -c 'mount -t tmpfs none /dev/net && vustack -v red /usr/sbin/ip -V'"

# --- export and import: the ip netns world ----------------------------------
check "export makes a stack's namespace an ip netns one (/run/netns/NAME)" mstack export "$dir/red" mst-red
has "  ip netns exec NAME runs in the stack" "10.9.0.1/24" /usr/sbin/ip netns exec mst-red /usr/sbin/ip -o addr
/usr/sbin/ip netns del mst-red
fails_with "export to a name ip netns refuses: usage error" 2 "is not a valid ip netns name" \
	mstack export "$dir/red" a/b
/usr/sbin/ip netns add mst-imp
check "import makes a stack file for an ip netns namespace" mstack import --dir "$dir" mst-imp
has "  bound to that namespace" "netns-id:$(ns_of /run/netns/mst-imp) $dir/mst-imp" mstack ls -l "$dir/mst-imp"
mstack rm "$dir/mst-imp"
/usr/sbin/ip netns del mst-imp

# --- vustack -----------------------------------------------------------------
has "vustack -h prints the usage" "Usage: vustack [options] stack cmd [args]" vustack -h
has "vustack -v -h lists the families" "   10: inet6" vustack -v -h
fails_with "vustack with a bad option: usage error" 2 "unknown option -x" vustack -x "$dir/red" true
fails_with "vustack without a command: usage error" 2 "a stack and a command are needed" vustack "$dir/red"
has "vustack STACK -- CMD ARGS: getopt's -- is consumed, as in VUOS" "10.9.0.1/24" \
	vustack "$dir/red" -- /usr/sbin/ip -o addr
has "vustack STACK -v CMD: an option after the stack (getopt's permutation)" \
	"vustack: using $dir/red for all address families" vustack "$dir/red" -v /usr/sbin/ip -o addr
has "vustack --verb --fam=netlink: long options abbreviated as getopt_long takes them" \
	"vustack: using $dir/red for the address families netlink(16)" \
	vustack --verb --fam=netlink "$dir/red" /usr/sbin/ip -o addr
fails_with "vustack on a file that is not a stack: EOPNOTSUPP" 1 "vustack: /etc/passwd: EOPNOTSUPP" \
	vustack /etc/passwd true

# --- rm ----------------------------------------------------------------------
fails_with "rm of a file that is not a stack: EOPNOTSUPP, kept" 1 \
	"mstack: $dir/sub: not a stack file: EOPNOTSUPP" mstack rm "$dir/sub"
check "  the directory is still there" test -d "$dir/sub"
fails_with "rm of a missing stack: ENOENT" 1 "mstack: $dir/none: ENOENT" mstack rm "$dir/none"
mstack add "$dir/extra" --new
fails_with "rm carries on past a bad operand, as rm(1), and exits 1" 1 "mstack: $dir/none: ENOENT" \
	mstack rm "$dir/none" "$dir/extra"
check "  the operand after it is removed" test ! -e "$dir/extra"
check "rm removes stack files" mstack rm "$dir/alias" "$dir/self"
check "  they are gone" sh -c "! test -e $dir/alias && ! test -e $dir/self && test -d $dir"
fails "rm without a path: usage error" 2 mstack rm
fails_with "a user cannot rm root's stacks: EACCES" 1 "EACCES" as_user mstack rm "$dir/red"

done_testing
