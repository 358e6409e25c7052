#!/bin/sh
# Stack files meet the file tools users run on them: GNU cp -a, tar and
# find, and busybox ls, as root and as a user. Each sees a file of a type
# it does not know (S_IFSTACK) and says so; none of it makes the kernel
# report anything (qemu/run fails the run on any report). The kernel side
# of the same story is selftests/vfs.c.
. "$(dirname "$0")/lib.sh"

gnu=/usr/libexec/msocket-gnu
dir=$(mktemp -d /tmp/vfs.XXXXXX)
out=$(mktemp -d /tmp/vfs-out.XXXXXX)
chmod 755 "$dir" "$out"
trap 'umount -l "$dir"; rmdir "$dir"; rm -rf "$out"' EXIT

check "GNU cp, tar and find, mstack and su are installed" need $gnu/cp $gnu/tar $gnu/find mstack su
check "mount a stackfs" mount -t stackfs none "$dir"
check "a stack file and a directory in it" sh -c \
	"mstack add -m 0644 $dir/blue --new && mkdir $dir/sub && mstack add -m 0644 $dir/sub/red --new"
has "ls -l shows the unknown type as ?" "?rw-r--r--" ls -l "$dir/blue"
has "find -printf %y: U (unknown type) for a stack file" "U $dir/blue" $gnu/find "$dir" -name blue -printf '%y %p\n'
lacks "find -type s does not take it for a socket" "blue" $gnu/find "$dir" -type s
lacks "find -type f does not take it for a file" "blue" $gnu/find "$dir" -type f
has "find lists it" "$dir/sub/red" $gnu/find "$dir"
fails_with "cp -a refuses it: unknown file type" 1 "has unknown file type" \
	$gnu/cp -a "$dir/." "$out/cp"
check "  and copies the directories" test -d "$out/cp/sub"
check "  and no stack file comes out" sh -c "! test -e $out/cp/blue"
has "tar ignores it: Unknown file type" "Unknown file type" \
	sh -c "$gnu/tar -cf $out/a.tar -C $dir . 2>&1; true"
lacks "  and leaves it out of the archive" "blue" $gnu/tar -tf "$out/a.tar"
has "as a user, find -printf %y: U" "U $dir/blue" \
	as_user "$gnu/find $dir -name blue -printf '%y %p\n'"
fails_with "as a user, cp -a refuses it" 1 "has unknown file type" \
	as_user "$gnu/cp -a $dir/blue /tmp/vfs-user-copy"
has "as a user, ls -l shows ?" "?rw-r--r--" as_user "ls -l $dir/sub/red"
done_testing
