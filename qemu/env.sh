# shellcheck shell=bash
# Shared settings of the build and test scripts: sourced, never run.
#
# MSOCKET_CACHE   where the build root, kernels and logs are kept
#                 (default ~/.cache/msocket)

MSOCKET_CACHE=${MSOCKET_CACHE:-$HOME/.cache/msocket}
MSOCKET_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Kernels are built in a Debian 13 (trixie) build root of our own, with the
# toolchain Debian builds its Rust-enabled 7.x kernels with: trixie's rustc
# (1.85.1), gcc-14, and clang/bindgen for the Rust bindings. The host's apt
# sources are never changed: the root has its own.
BUILDROOT_SUITE=trixie
BUILDROOT_PACKAGES=(
	rustc rust-src rust-clippy rustfmt bindgen clang lld llvm libclang-dev
	gcc-14 gcc make bc flex bison libelf-dev libssl-dev cpio python3 kmod
	xz-utils dwarves ca-certificates
)
# The second build root, for arm64 (qemu/buildroot --arch arm64): the same
# packages, arm64 as a foreign architecture (Debian's arm64 kernel
# packages), and the cross compilers Debian builds that kernel with
# (aarch64, with its libc for CONFIG_CC_CAN_LINK; arm for the compat vDSO).
BUILDROOT_CROSS_PACKAGES_arm64=(gcc-14-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf)
# Where Debian's Rust-enabled kernels come from.
KERNEL_SUITE=trixie-backports

# Seconds since the epoch, for elapsed times.
now() { date +%s; }

# "3m07s" from a number of seconds.
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

say() { printf '[%s] %s\n' "${SAY_TAG:-msocket}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# The Debian mirror the host's apt uses (never written into the project).
debian_mirror() {
	local uri
	uri=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/\{0,1\}$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\)\/\{0,1\} .*/\2/p' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
	[ -n "$uri" ] || die "cannot find the host's Debian mirror in /etc/apt/sources.list*"
	echo "$uri"
}

# The packages of the build root for architecture $1 (amd64: the native
# one; arm64: with the cross compiler).
buildroot_packages() {
	case "${1:-amd64}" in
	amd64) printf '%s\n' "${BUILDROOT_PACKAGES[@]}" ;;
	arm64) printf '%s\n' "${BUILDROOT_PACKAGES[@]}" "${BUILDROOT_CROSS_PACKAGES_arm64[@]}" ;;
	*) die "no build root for the architecture '$1' (amd64, arm64)" ;;
	esac
}

# The build root's directory for architecture $1 (default amd64): keyed by
# suite and packages.
buildroot_dir() {
	local arch=${1:-amd64} key
	key=$({
		echo "$BUILDROOT_SUITE"
		buildroot_packages "$arch"
	} | sha256sum | cut -c1-12)
	case "$arch" in
	amd64) echo "$MSOCKET_CACHE/buildroot/$BUILDROOT_SUITE-$key" ;;
	*) echo "$MSOCKET_CACHE/buildroot/$BUILDROOT_SUITE-$arch-$key" ;;
	esac
}

# Runs a command inside the build root ROOT, with its own /proc, in a
# private mount and PID namespace that ends with it (nothing to clean up).
in_root() {
	local root=$1
	shift
	unshare --mount --pid --fork --kill-child --mount-proc="$root/proc" \
		chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

# Run a long command with its output in LOG; print progress every 30 s and,
# on failure, the last 40 lines of the log.
run_logged() {
	local what=$1 log=$2; shift 2
	local start pid rc=0
	start=$(now)
	mkdir -p "$(dirname "$log")"
	say "$what (log: $log)"
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq 30); do
			sleep 1
			kill -0 "$pid" 2>/dev/null || break
		done
		kill -0 "$pid" 2>/dev/null &&
			say "$what: $(fmt_secs $(($(now) - start))) elapsed, $(wc -l <"$log") log lines"
	done
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		say "$what FAILED after $(fmt_secs $(($(now) - start))); last lines of $log:"
		tail -n 40 "$log" >&2
		return "$rc"
	fi
	say "$what done in $(fmt_secs $(($(now) - start)))"
}
