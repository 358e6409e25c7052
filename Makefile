# SPDX-License-Identifier: GPL-2.0
#
# msocket: build the module, the user-space tools and the selftests, and
# run them in QEMU. `make help` lists the targets.
#
#   make                  msocket.ko against KDIR (default: the cached
#                         debug test kernel, built on first use)
#   make demo             the live demonstration in a VM
#   make check            every test: host tests, then the selftests in a VM
#   make KDIR=/lib/modules/$(uname -r)/build
#                         the module against another Rust-enabled 6.12 tree

KERNEL ?= debug
MSOCKET_CACHE ?= $(HOME)/.cache/msocket
export MSOCKET_CACHE

BUILD := build
# Where the module is built: a copy of its sources per kernel, so that one
# work tree builds for several kernels and stays free of build products.
ifeq ($(origin KDIR),undefined)
KMOD_DIR := $(BUILD)/kmod-$(KERNEL)
KDIR_CMD := qemu/build-kernel $(KERNEL)
else
KMOD_DIR := $(BUILD)/kmod-custom
KDIR_CMD := echo $(KDIR)
endif

MODULE_SOURCES := Kbuild msocket.rs $(wildcard rust/*.rs rust/*.c rust/*.h \
	rust/bindgen_allowlist stackfs/*.rs uapi/linux/*.h)

SELFTESTS := $(patsubst selftests/%.c,%,$(wildcard selftests/*.c))
SELFTEST_SCRIPTS := $(wildcard selftests/*.sh) selftests/run_all
CC ?= gcc
SELFTEST_CFLAGS := -O2 -g -Wall -Wextra -Werror -Wno-sign-compare -Wno-unused-parameter \
	-Wno-clobbered -Wno-missing-field-initializers -D_GNU_SOURCE -Iuapi

.PHONY: all module deps kernel selftests tools vm-payload check demo shell bench stress \
	clippy fmt fmt-check checkpatch clean help

all: module

deps:
	@qemu/deps

kernel: deps
	@qemu/build-kernel $(KERNEL) >/dev/null

module: deps
	@mkdir -p $(KMOD_DIR)
	@cp -p --parents $(MODULE_SOURCES) $(KMOD_DIR)/
	@kdir=$$($(KDIR_CMD)) && \
		qemu/kmake "$$kdir" M=$(abspath $(KMOD_DIR)) $(if $(CLIPPY),CLIPPY=1) modules
	@echo "module: $(KMOD_DIR)/msocket.ko"

selftests: deps
	@mkdir -p $(BUILD)/selftests
	@ksrc=$$(qemu/build-kernel --source) && \
	for t in $(SELFTESTS); do \
		if [ ! -e $(BUILD)/selftests/$$t ] || [ selftests/$$t.c -nt $(BUILD)/selftests/$$t ] || \
		   [ uapi/linux/msocket.h -nt $(BUILD)/selftests/$$t ] || \
		   [ -n "$$(find selftests -name '*.h' -newer $(BUILD)/selftests/$$t)" ]; then \
			echo "  CC      selftests/$$t"; \
			$(CC) $(SELFTEST_CFLAGS) -I"$$ksrc/tools/testing/selftests" -Iselftests \
				-o $(BUILD)/selftests/$$t selftests/$$t.c -lpthread || exit 1; \
		fi; \
	done
	@cp -p $(SELFTEST_SCRIPTS) $(BUILD)/selftests/

tools:
	@mkdir -p $(BUILD)/bin $(BUILD)/lib
	@cp -p tools/msocket-demo $(BUILD)/bin/

# Everything qemu/run puts in the VM.
vm-payload: module selftests tools

check: deps
	@qemu/check

demo: deps
	@qemu/run --timeout 600 --exec 'sh /usr/bin/msocket-demo'

shell: deps
	@qemu/run --shell

# The long reliability runs on the debug kernel: 1,000,000 fuzzed calls,
# 30 s per race, 10,000 stacks and 100,000 sockets (about an hour).
STRESS_ENV := MSOCKET_FUZZ_CALLS=1000000 MSOCKET_FUZZ_SECONDS=7200 \
	MSOCKET_RACE_SECONDS=30 MSOCKET_STRESS_STACKS=10000 MSOCKET_STRESS_SOCKETS=100000
stress: deps
	@qemu/run --vm-dir $(BUILD)/vm-stress --timeout 14400 \
		--exec '$(STRESS_ENV) /selftests/run_all'

# Benchmarks on the perf kernel: ratios of runs side by side (tools/bench).
# BENCH selects one part: creation, scale, threads or datapath.
BENCH ?= all
bench: deps
	@mkdir -p $(BUILD)/bench
	$(CC) $(SELFTEST_CFLAGS) -Iselftests -o $(BUILD)/bench/msocket-bench \
		tools/bench/msocket-bench.c -lpthread
	@qemu/run --kernel perf --timeout 3600 \
		--add $(BUILD)/bench/msocket-bench:/usr/bin/msocket-bench \
		--exec 'msocket-bench $(BENCH)'


	@mkdir -p $(BUILD)
	@rc=0; $(MAKE) --no-print-directory module CLIPPY=1 >$(BUILD)/clippy.log 2>&1 || rc=$$?; \
		cat $(BUILD)/clippy.log; [ $$rc -eq 0 ] && ! grep -Eq '^(warning|error)' $(BUILD)/clippy.log

fmt:
	@rustfmt --edition 2021 --config-path .rustfmt.toml msocket.rs

fmt-check:
	@rustfmt --check --edition 2021 --config-path .rustfmt.toml msocket.rs

checkpatch:
	@ksrc=$$(qemu/build-kernel --source) && \
		"$$ksrc/scripts/checkpatch.pl" --no-tree --terse --strict --show-types \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,CONST_STRUCT,PREFER_KERNEL_TYPES \
		-f $(wildcard rust/*.c rust/*.h uapi/linux/*.h selftests/*.c selftests/*.h \
			tools/bench/*.c)

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,12p' Makefile | sed 's/^# \{0,1\}//'
