# shellcheck shell=sh
# TAP helpers of the shell selftests (sourced; run_all skips this file).
#
#   check DESC CMD...           ok if CMD succeeds
#   fails DESC STATUS CMD...    ok if CMD exits with STATUS
#   has DESC TEXT CMD...        ok if CMD succeeds and prints TEXT (stdout+stderr)
#   lacks DESC TEXT CMD...      ok if CMD succeeds and does not print TEXT
#   fails_with DESC STATUS TEXT CMD...
#                               ok if CMD exits with STATUS and prints TEXT
#   fails_without DESC STATUS TEXT CMD...
#                               ok if CMD exits with STATUS and does not print
#                               TEXT (a tool's own error, when STATUS is also
#                               the status of the command it runs)
#   need PROGRAM...             succeeds if every PROGRAM is in PATH (or a path
#                               to an executable): for check, before the
#                               negative checks that a missing program would pass
#   done_testing                prints the plan; exits 1 on any failure
#   as_user CMD                 runs the shell command CMD as msuser (uid 1000,
#                               groups msuser and msocket, no capabilities)
#   wait_until CMD...           runs CMD until it succeeds, 10 s at most
# The output of a failed check is shown as TAP comments.

tap_n=0
tap_failed=0
tap_out=$(mktemp /tmp/tap.XXXXXX)

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1"
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n $1"
	sed 's/^/# /' "$tap_out"
}

check() {
	desc=$1
	shift
	if "$@" >"$tap_out" 2>&1; then tap_ok "$desc"; else tap_not_ok "$desc"; fi
}

fails() {
	desc=$1 want=$2
	shift 2
	"$@" >"$tap_out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then
		tap_ok "$desc"
	else
		echo "exit status $got, expected $want" >>"$tap_out"
		tap_not_ok "$desc"
	fi
}

has() {
	desc=$1 text=$2
	shift 2
	if "$@" >"$tap_out" 2>&1 && grep -qF -- "$text" "$tap_out"; then
		tap_ok "$desc"
	else
		echo "expected output containing: $text" >>"$tap_out"
		tap_not_ok "$desc"
	fi
}

# A negative check that cannot pass by accident: CMD must run and succeed,
# and only then must TEXT be absent (not `! CMD | grep`, which passes when
# CMD is missing or fails).
lacks() {
	desc=$1 text=$2
	shift 2
	if "$@" >"$tap_out" 2>&1 && ! grep -qF -- "$text" "$tap_out"; then
		tap_ok "$desc"
	else
		echo "expected success and no output containing: $text" >>"$tap_out"
		tap_not_ok "$desc"
	fi
}

# Like has, for a command that must fail with STATUS and print TEXT.
fails_with() {
	desc=$1 want=$2 text=$3
	shift 3
	"$@" >"$tap_out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && grep -qF -- "$text" "$tap_out"; then
		tap_ok "$desc"
	else
		echo "exit status $got (expected $want); expected output containing: $text" >>"$tap_out"
		tap_not_ok "$desc"
	fi
}

# Like fails, and TEXT must not be in the output.
fails_without() {
	desc=$1 want=$2 text=$3
	shift 3
	"$@" >"$tap_out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ] && ! grep -qF -- "$text" "$tap_out"; then
		tap_ok "$desc"
	else
		echo "exit status $got (expected $want); expected no output containing: $text" >>"$tap_out"
		tap_not_ok "$desc"
	fi
}

need() {
	for prog; do
		command -v "$prog" >/dev/null 2>&1 || { echo "$prog: not found"; return 1; }
	done
}

as_user() { su -s /bin/sh msuser -c "$*"; }

wait_until() {
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -le 100 ] || return 1
		sleep 0.1
	done
}

done_testing() {
	rm -f "$tap_out"
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit
}
