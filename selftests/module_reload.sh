#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module unloads and reloads cleanly while other processes race to use
# it: opening /dev/msocket and mounting stackfs either fail (the module is
# gone) or work, and nothing is left behind. MSOCKET_RACE_SECONDS (default
# 3) bounds the loop. TAP output.

module=/lib/modules/msocket.ko
seconds=${MSOCKET_RACE_SECONDS:-3}
mnt=$(mktemp -d /tmp/reload.XXXXXX)
stop=$mnt.stop

echo "TAP version 13"
echo "1..2"

# The racers: open the device and mount stackfs, over and over, until the
# stop file appears. They are not killed: a killed subshell would leave its
# running mount(8) child behind, which could mount after the final umount.
(
	while [ ! -e "$stop" ]; do
		if mount -t stackfs none "$mnt" 2>/dev/null; then
			umount "$mnt"
		fi
	done
) &
mounter=$!
(
	while [ ! -e "$stop" ]; do
		true 2>/dev/null </dev/msocket
	done
) &
opener=$!

# At least $seconds, and longer (up to five times that) until the module
# was unloaded a few times: the racers leave it unloadable only in short
# windows, and under emulation a few seconds may hold none.
start=$(date +%s)
end=$((start + seconds)) last=$((start + 5 * seconds))
cycles=0 unloads=0 bad=0
while now=$(date +%s) && { [ "$now" -lt "$end" ] ||
	{ [ "$unloads" -lt 5 ] && [ "$now" -lt "$last" ]; }; }; do
	if rmmod msocket 2>/dev/null; then
		unloads=$((unloads + 1))
		if [ -e /dev/msocket ] || grep -q stackfs /proc/filesystems; then
			echo "# the module is gone, but /dev/msocket or stackfs is not"
			bad=$((bad + 1))
		fi
	fi
	if ! grep -q '^msocket ' /proc/modules && ! insmod "$module"; then
		echo "# insmod failed"
		bad=$((bad + 1))
	fi
	cycles=$((cycles + 1))
done
touch "$stop"
wait "$mounter" "$opener" 2>/dev/null
umount "$mnt" 2>/dev/null
rmdir "$mnt"
rm -f "$stop"
if grep -q " $mnt stackfs " /proc/mounts; then
	echo "# a racer's stackfs mount is left behind at $mnt"
	bad=$((bad + 1))
fi

echo "# $cycles cycles, $unloads unloads while racing"
if [ "$bad" -eq 0 ] && [ "$unloads" -gt 0 ]; then
	echo "ok 1 module_reload.unload_and_reload_while_racing"
else
	echo "not ok 1 module_reload.unload_and_reload_while_racing"
fi
# chgrp/chmod: what the udev rule does on a real system (qemu/init).
if { grep -q '^msocket ' /proc/modules || insmod "$module"; } &&
	chgrp msocket /dev/msocket && chmod 0660 /dev/msocket; then
	echo "ok 2 module_reload.loaded_afterwards"
else
	echo "not ok 2 module_reload.loaded_afterwards"
	exit 1
fi
[ "$bad" -eq 0 ] && [ "$unloads" -gt 0 ]
