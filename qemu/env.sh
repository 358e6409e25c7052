# shellcheck shell=bash
# Shared settings of the build and test scripts: sourced, never run.
#
# MSOCKET_CACHE   where kernels, bindgen and logs are kept (default ~/.cache/msocket)

MSOCKET_CACHE=${MSOCKET_CACHE:-$HOME/.cache/msocket}
MSOCKET_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz
BINDGEN_VERSION=0.69.5
BINDGEN=$MSOCKET_CACHE/bindgen-$BINDGEN_VERSION/bin/bindgen
# Debian's rustc-web: the one rustc here whose library sources (rust-web-src)
# the kernel can build `core` from. The rustup rustc first on PATH cannot.
KRUSTC=/usr/bin/rustc

# The make variables every kernel and module build needs.
kmake_vars() {
	echo LLVM=1 RUSTC=$KRUSTC HOSTRUSTC=$KRUSTC RUSTDOC=/usr/bin/rustdoc \
		CLIPPY_DRIVER=/usr/bin/clippy-driver BINDGEN="$BINDGEN"
}

# Seconds since the epoch, for elapsed times.
now() { date +%s; }

# "3m07s" from a number of seconds.
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

say() { printf '[%s] %s\n' "${SAY_TAG:-msocket}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

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
