# SPDX-License-Identifier: GPL-2.0
#
# msocket: build the module, the user-space tools and the selftests, and
# run them in QEMU. `make help` lists the targets.
#
#   make                  msocket.ko against KDIR (default: the cached
#                         debug test kernel, built on first use)
#   make KERNEL=NAME ...  for another kernel: debug, debug-rt, perf, kcsan
#                         (test kernels), stock, cloud, rt, stock-7.2...
#                         (Debian's, unmodified: qemu/debian-kernel);
#                         arm64 (Debian's arm64 kernel, cross-built for)
#   make demo             the live demonstration in a VM
#   make check            every test: host tests, then the selftests in VMs
#                         on the kernel matrix (README: Supported kernels)
#   make check-arm64      the selftests of the kernel's interfaces on
#                         Debian's arm64 kernel, in an emulated arm64 VM
#   make stress, stress-rt  the long reliability runs (debug, kcsan, rt)
#   make KDIR=/lib/modules/$(uname -r)/build
#                         the module against another Rust-enabled 7.x tree
#   make install [DESTDIR=... prefix=/usr/local]
#                         the module, libmsocket, mstack, vustack, man pages
#   make install-dkms     the module's sources for dkms, in /usr/src/msocket-VERSION
#   make deb              the Debian packages (debian/), lintian-checked: build/deb
#   make system-check     the packages on a real Debian boot (systemd, udev, dkms) in QEMU
#   make go-proxy         the Go package as a module proxy directory, build/go-proxy:
#                         GOPROXY=file://$PWD/build/go-proxy GONOSUMDB=msocket.invalid \
#                         go get msocket.invalid/msocket@v0.1.0 (README: Go)

KERNEL ?= debug
MSOCKET_CACHE ?= $(HOME)/.cache/msocket
export MSOCKET_CACHE

BUILD := build
# Where the module is built: a copy of its sources per kernel, so that one
# work tree builds for several kernels and stays free of build products.
ifeq ($(origin KDIR),undefined)
KMOD_DIR := $(BUILD)/kmod-$(KERNEL)
else
KMOD_DIR := $(BUILD)/kmod-custom
endif


# The module's sources: what Kbuild builds msocket.ko from.
KMOD_SOURCES := Kbuild msocket.rs $(wildcard rust/*.rs rust/*.c rust/*.h) rust/bindgen_allowlist \
	$(wildcard stackfs/*.rs uapi/linux/*.h)

# selftests/libmsocket.c is built three ways (see LIBMSOCKET_TESTS).
SELFTESTS := $(filter-out libmsocket,$(patsubst selftests/%.c,%,$(wildcard selftests/*.c)))
SELFTEST_SCRIPTS := $(wildcard selftests/*.sh) selftests/run_all selftests/MANIFEST
CC ?= gcc
SELFTEST_CFLAGS := -O2 -g -Wall -Wextra -Werror -Wno-sign-compare -Wno-unused-parameter \
	-Wno-clobbered -Wno-missing-field-initializers -D_GNU_SOURCE -Iuapi
# Debian's arm64 kernel (KERNEL=arm64, arm64-7.2): msocket.ko cross-built in
# the arm64 build root; the C selftests with Debian's aarch64 cross
# compiler, static (the guest has busybox only), in their own directory;
# no user-space tools (qemu/check runs the kernel's own interfaces there).
ifneq ($(filter arm64 arm64-%,$(KERNEL)),)
SELFTEST_DIR := $(BUILD)/selftests-arm64
SELFTEST_CC := aarch64-linux-gnu-gcc
SELFTEST_LDFLAGS := -static
SELFTEST_EXTRA :=
SELFTEST_COPIED := selftests/run_all selftests/MANIFEST
PAYLOAD_TOOLS :=
else
SELFTEST_DIR := $(BUILD)/selftests
SELFTEST_CC = $(CC)
SELFTEST_LDFLAGS :=
SELFTEST_EXTRA = $(LIBMSOCKET_TESTS) $(STATIC_TEST_PROGRAM)
SELFTEST_COPIED := $(SELFTEST_SCRIPTS)
PAYLOAD_TOOLS := tools
endif

.PHONY: all module deps kernel selftests tools libmsocket mstack rust-tools go-tools go-proxy grpc-gopath grpc-vet \
	python-tools vm-payload check \
	check-arm64 demo shell \
	bench stress stress-rt clippy fmt fmt-check checkpatch install install-check install-dkms uninstall-dkms \
	dkms-check deb system-check clean help

all: module

deps:
	@qemu/deps

kernel: deps
	@qemu/build-kernel $(KERNEL) >/dev/null

module: deps
ifeq ($(origin KDIR),undefined)
	@kdir=$$(qemu/build-kernel $(KERNEL)) && \
		qemu/kmake "$$kdir" $(KMOD_DIR) $(if $(CLIPPY),CLIPPY=1)
else
	@mkdir -p $(KMOD_DIR)
	@cp -p --parents $(KMOD_SOURCES) $(KMOD_DIR)/
	@$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_DIR)) $(if $(CLIPPY),CLIPPY=1) modules
endif
	@echo "module: $(KMOD_DIR)/msocket.ko"

selftests: deps
	@mkdir -p $(SELFTEST_DIR)
	@ksrc=$$(qemu/build-kernel --source) && \
	for t in $(SELFTESTS); do \
		if [ ! -e $(SELFTEST_DIR)/$$t ] || [ selftests/$$t.c -nt $(SELFTEST_DIR)/$$t ] || \
		   [ uapi/linux/msocket.h -nt $(SELFTEST_DIR)/$$t ] || \
		   [ -n "$$(find selftests -name '*.h' -newer $(SELFTEST_DIR)/$$t)" ]; then \
			echo "  CC      selftests/$$t ($(SELFTEST_CC))"; \
			$(SELFTEST_CC) $(SELFTEST_CFLAGS) -I"$$ksrc/tools/testing/selftests" -Iselftests \
				$(SELFTEST_LDFLAGS) -o $(SELFTEST_DIR)/$$t selftests/$$t.c -lpthread || exit 1; \
		fi; \
	done
	@$(if $(SELFTEST_EXTRA),$(MAKE) --no-print-directory $(SELFTEST_EXTRA))
	@cp -p $(SELFTEST_COPIED) $(SELFTEST_DIR)/
	@# What no source makes any more goes: run_all fails an unlisted program.
	@cd $(SELFTEST_DIR) && for f in *; do \
		case " $(SELFTESTS) $(notdir $(SELFTEST_EXTRA) $(SELFTEST_COPIED)) " in \
		*" $$f "*) ;; \
		*) echo "  RM      $(SELFTEST_DIR)/$$f"; rm -rf "$$f" ;; \
		esac; \
	done

# --- user space ---------------------------------------------------------------
# libmsocket (C): libmsocket.a, libmsocket.so.$(VERSION) (soname
# libmsocket.so.0), msocket.h, msocket.pc.

VERSION := 0.1.0
prefix ?= /usr/local
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
sbindir ?= $(exec_prefix)/sbin
libdir ?= $(exec_prefix)/lib
includedir ?= $(prefix)/include
mandir ?= $(prefix)/share/man
datadir ?= $(prefix)/share
# udev and systemd-sysusers read /etc and /usr/lib only, whatever the
# prefix (Debian's packages use /usr/lib: debian/rules).
udevrulesdir ?= /etc/udev/rules.d
sysusersdir ?= /etc/sysusers.d
systemdunitdir ?= $(prefix)/lib/systemd/system
bashcompdir ?= $(datadir)/bash-completion/completions
zshcompdir ?= $(datadir)/zsh/vendor-completions
fishcompdir ?= $(datadir)/fish/vendor_completions.d
SONAME := libmsocket.so.0
# preload.c (the checks at exec of what LD_PRELOAD cannot move) goes into
# the shared library only: a static program has no preloaded children.
LIBMSOCKET_SO_ONLY := tools/libmsocket/preload.c
LIBMSOCKET_SOURCES := $(filter-out $(LIBMSOCKET_SO_ONLY),$(wildcard tools/libmsocket/*.c))
LIBMSOCKET_HEADERS := $(wildcard tools/libmsocket/*.h) uapi/linux/msocket.h
LIBMSOCKET_OBJECTS := $(patsubst tools/libmsocket/%.c,$(BUILD)/libmsocket/%.o,$(LIBMSOCKET_SOURCES))
LIBMSOCKET_SO_OBJECTS := $(LIBMSOCKET_OBJECTS) \
	$(patsubst tools/libmsocket/%.c,$(BUILD)/libmsocket/%.o,$(LIBMSOCKET_SO_ONLY))
LIB_CFLAGS := -O2 -g -Wall -Wextra -Werror -fPIC -fvisibility=hidden -D_GNU_SOURCE \
	-Iuapi -Itools/libmsocket
LIBMSOCKET := $(BUILD)/lib/libmsocket.a $(BUILD)/lib/libmsocket.so.$(VERSION)

$(BUILD)/libmsocket/%.o: tools/libmsocket/%.c $(LIBMSOCKET_HEADERS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(LIB_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lib/libmsocket.a: $(LIBMSOCKET_OBJECTS)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/libmsocket.so.$(VERSION): $(LIBMSOCKET_SO_OBJECTS)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs -Wl,-z,now $(LDFLAGS) -o $@ $^
	@ln -sf libmsocket.so.$(VERSION) $(BUILD)/lib/$(SONAME)
	@ln -sf $(SONAME) $(BUILD)/lib/libmsocket.so

libmsocket: $(LIBMSOCKET)

# The libmsocket selftests, linked the three ways a program can use it:
# shared (-lmsocket), libmsocket.a in a dynamic program, fully static.
LIBMSOCKET_TESTS := $(addprefix $(BUILD)/selftests/libmsocket_,shared static fullstatic)
LIBMSOCKET_TEST_CC = ksrc=$$(qemu/build-kernel --source) && \
	$(CC) $(SELFTEST_CFLAGS) -I"$$ksrc/tools/testing/selftests" -Iselftests -Itools/libmsocket \
	-o $@ selftests/libmsocket.c -L$(BUILD)/lib

$(BUILD)/selftests/libmsocket_shared: selftests/libmsocket.c selftests/msocket_test.h $(LIBMSOCKET)
	@echo "  CC      $@"
	@$(LIBMSOCKET_TEST_CC) -lmsocket -lpthread
$(BUILD)/selftests/libmsocket_static: selftests/libmsocket.c selftests/msocket_test.h $(LIBMSOCKET)
	@echo "  CC      $@"
	@$(LIBMSOCKET_TEST_CC) -Wl,-Bstatic -lmsocket -Wl,-Bdynamic -lpthread
$(BUILD)/selftests/libmsocket_fullstatic: selftests/libmsocket.c selftests/msocket_test.h $(LIBMSOCKET)
	@echo "  CC      $@"
	@$(LIBMSOCKET_TEST_CC) -static -lmsocket -lpthread

# A statically linked program for selftests/preload.sh (LD_PRELOAD cannot
# reach it); in lib/msocket-tests, not among the selftests run_all runs.
STATIC_TEST_PROGRAM := $(BUILD)/lib/msocket-tests/static-netns
$(STATIC_TEST_PROGRAM): selftests/progs/static-netns.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(SELFTEST_CFLAGS) -static -o $@ $<

# Small C programs on libmsocket, for the demo and the tests.
EXAMPLES := $(patsubst tools/examples/%.c,$(BUILD)/bin/%,$(wildcard tools/examples/*.c))
$(BUILD)/bin/%: tools/examples/%.c $(LIBMSOCKET)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(SELFTEST_CFLAGS) -Itools/libmsocket -o $@ $< -L$(BUILD)/lib -lmsocket

# Rust: the msocket crate (tools/msocket-rs) and mstack/vustack
# (tools/mstack), built in one target directory. mstack finds
# libmsocket.so.0 for LD_PRELOAD in ../lib next to itself, else in
# $(libdir), which it is built for. The msocket crate's VM tests (its
# tests/vm.rs, run by selftests/msocket_rs.sh) go in lib/msocket-tests.
CARGO ?= cargo
CARGO_TARGET_DIR := $(abspath $(BUILD)/cargo)
RUST_CRATES := tools/msocket-rs tools/mstack
CARGO_FLAGS := --quiet --locked --target-dir $(CARGO_TARGET_DIR)

# mstack and vustack alone, with their shell completions (what install
# and the Debian packages take).
mstack:
	@mkdir -p $(BUILD)/bin $(BUILD)/completions
	@echo "  CARGO   tools/mstack"
	@MSOCKET_LIBDIR=$(libdir) $(CARGO) build --release $(CARGO_FLAGS) \
		--manifest-path tools/mstack/Cargo.toml
	@cp -p $(CARGO_TARGET_DIR)/release/mstack $(CARGO_TARGET_DIR)/release/vustack $(BUILD)/bin/
	@for c in mstack vustack; do \
		$(BUILD)/bin/mstack completions bash --command $$c >$(BUILD)/completions/$$c.bash && \
		$(BUILD)/bin/mstack completions zsh --command $$c >$(BUILD)/completions/_$$c && \
		$(BUILD)/bin/mstack completions fish --command $$c >$(BUILD)/completions/$$c.fish || exit 1; \
	done

rust-tools: mstack
	@mkdir -p $(BUILD)/bin $(BUILD)/lib/msocket-tests
	@echo "  CARGO   tools/msocket-rs (VM tests)"
	@exe=$$($(CARGO) test --no-run --test vm --features tokio --message-format=json $(CARGO_FLAGS) \
		--manifest-path tools/msocket-rs/Cargo.toml | \
		sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1) && \
		[ -n "$$exe" ] && cp -p "$$exe" $(BUILD)/lib/msocket-tests/msocket-rs-vm

# Go: the msocket package (tools/go), with Debian's Go toolchain: its test
# binary (static, run in the VM by selftests/go.sh) in lib/msocket-tests,
# the example program msocket-relay in bin.
GO ?= go
GO_SOURCES := tools/go/go.mod $(shell find tools/go -name '*.go')
GO_BUILD_ENV := CGO_ENABLED=0 GOFLAGS=-buildvcs=false
$(BUILD)/lib/msocket-tests/msocket-go.test: $(GO_SOURCES)
	@mkdir -p $(@D)
	@echo "  GO      tools/go (VM tests)"
	@cd tools/go && $(GO_BUILD_ENV) $(GO) test -c -o $(abspath $@) .
$(BUILD)/bin/msocket-relay: $(GO_SOURCES)
	@mkdir -p $(@D)
	@echo "  GO      tools/go/examples/msocket-relay"
	@cd tools/go && $(GO_BUILD_ENV) $(GO) build -o $(abspath $@) ./examples/msocket-relay
# The chained CNI plugin (tools/cni), installed as /usr/lib/cni/msocket
# (CNI runs the plugin named by a configuration's "type").
CNI_SOURCES := tools/cni/go.mod $(wildcard tools/cni/*.go)
$(BUILD)/bin/msocket-cni: $(CNI_SOURCES)
	@mkdir -p $(dir $@)
	@echo "  GO      tools/cni"
	@cd tools/cni && $(GO_BUILD_ENV) $(GO) build -o $(abspath $@) .
# The gRPC example (tools/examples/grpc-health, run by selftests/go.sh),
# built with Debian's gRPC (golang-google-grpc-dev: qemu/deps) in GOPATH
# mode, offline: GOPATH is a directory where the package sits at its
# module path (a link to tools/go), then Debian's /usr/share/gocode. It is
# no part of the msocket module, which stays free of dependencies.
GOCODE ?= /usr/share/gocode
GRPC_GOPATH := $(abspath $(BUILD)/gopath)
GRPC_GO_ENV := GO111MODULE=off GOPATH=$(GRPC_GOPATH):$(GOCODE)
grpc-gopath:
	@test -d $(GOCODE)/src/google.golang.org/grpc/health || \
		{ echo "no gRPC in $(GOCODE) (Debian's golang-google-grpc-dev): run qemu/deps" >&2; exit 1; }
	@mkdir -p $(GRPC_GOPATH)/src/msocket.invalid
	@ln -sfn $(CURDIR)/tools/go $(GRPC_GOPATH)/src/msocket.invalid/msocket
$(BUILD)/bin/msocket-grpc-health: tools/examples/grpc-health/main.go $(GO_SOURCES) | grpc-gopath
	@mkdir -p $(@D)
	@echo "  GO      tools/examples/grpc-health (Debian's gRPC, GOPATH mode)"
	@cd tools/examples/grpc-health && $(GRPC_GO_ENV) $(GO_BUILD_ENV) $(GO) build -o $(abspath $@) .
# go vet of the example, in the same GOPATH (qemu/check's go-vet).
grpc-vet: grpc-gopath
	@cd tools/examples/grpc-health && $(GRPC_GO_ENV) GOFLAGS=-buildvcs=false $(GO) vet .
go-tools: $(BUILD)/lib/msocket-tests/msocket-go.test $(BUILD)/bin/msocket-relay $(BUILD)/bin/msocket-cni \
	$(BUILD)/bin/msocket-grpc-health
# The package as a Go module proxy (the GOPROXY protocol's files) for `go
# get` from this repository: qemu/go-proxy.
go-proxy:
	@$(CURDIR)/qemu/go-proxy $(BUILD)/go-proxy v$(VERSION)

# Python: the msocket package (tools/python), installed with pip and
# Debian's python3 into lib/python3/dist-packages (the VM's /usr/lib/...,
# where Debian's python3 looks); its tests and the README they check in
# lib/msocket-tests/python. qemu/run adds the interpreter to the VM.
PYTHON ?= /usr/bin/python3
PYTHON_SOURCES := $(shell find tools/python -type f -not -path '*/__pycache__/*' -not -path '*.egg-info*' -not -path '*/build/*')
PYTHON_STAMP := $(BUILD)/lib/python3/dist-packages/msocket/__init__.py
$(PYTHON_STAMP): $(PYTHON_SOURCES)
	@echo "  PIP     tools/python"
	@rm -rf $(BUILD)/lib/python3 $(BUILD)/python-build && mkdir -p $(BUILD)/python-build
	@cp -a tools/python/. $(BUILD)/python-build/
	@$(PYTHON) -m pip install --quiet --root-user-action=ignore --disable-pip-version-check --no-build-isolation --no-deps --no-index --no-compile \
		--target $(BUILD)/lib/python3/dist-packages $(BUILD)/python-build
	@touch $@
$(BUILD)/lib/msocket-tests/python/README.md: $(PYTHON_SOURCES) README.md
	@rm -rf $(@D) && mkdir -p $(@D)
	@cp -a tools/python/tests/. $(@D)/
	@rm -rf $(@D)/__pycache__
	@cp tools/python/README.md $(@D)/README-python.md
	@cp README.md $@
$(BUILD)/bin/msocket-echo.py: tools/python/examples/msocket-echo.py
	@mkdir -p $(@D)
	@cp -p $< $@
python-tools: $(PYTHON_STAMP) $(BUILD)/lib/msocket-tests/python/README.md $(BUILD)/bin/msocket-echo.py

tools: $(LIBMSOCKET) $(EXAMPLES) rust-tools go-tools python-tools
	@mkdir -p $(BUILD)/bin $(BUILD)/lib
	@cp -p tools/msocket-demo $(BUILD)/bin/

# --- install -----------------------------------------------------------------
# The module into $(moduledir) (default /lib/modules/RELEASE/extra of the
# kernel it is built for), libmsocket and its headers and pkg-config file,
# mstack and vustack, the man pages; all under $(DESTDIR). depmod runs only
# for a real installation (no DESTDIR). `make install-check` installs into a
# temporary DESTDIR and checks the result (qemu/install-check).

MAN_PAGES := $(wildcard tools/man/*.[0-9])
SYSTEMD_UNITS := msocket-stackfs.service msocket-stack@.service

install: install-module install-user

# The module alone, for the kernel it is built for.
install-module: module
	@krel=$$($(if $(KDIR),$(MAKE) -s -C $(KDIR) kernelrelease,cat "$$(qemu/build-kernel $(KERNEL))/msocket-release")) && \
		mdir="$(if $(moduledir),$(moduledir),/lib/modules/$$krel/extra)" && \
		install -d "$(DESTDIR)$$mdir" && \
		install -m 0644 $(KMOD_DIR)/msocket.ko "$(DESTDIR)$$mdir/msocket.ko" && \
		echo "  INSTALL $(DESTDIR)$$mdir/msocket.ko" && \
		if [ -z "$(DESTDIR)" ] && command -v depmod >/dev/null; then depmod -a "$$krel"; fi

# User space alone (for a machine whose module comes from elsewhere). The
# kernel ABI header goes to $(includedir)/msocket/linux: /usr/include/linux
# belongs to the kernel's headers (linux-libc-dev).
install-user: $(LIBMSOCKET) mstack
	@install -d $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(includedir)/msocket/linux $(DESTDIR)$(bindir)
	@install -m 0644 $(BUILD)/lib/libmsocket.a $(DESTDIR)$(libdir)/
	@install -m 0755 $(BUILD)/lib/libmsocket.so.$(VERSION) $(DESTDIR)$(libdir)/
	@ln -sf libmsocket.so.$(VERSION) $(DESTDIR)$(libdir)/$(SONAME)
	@ln -sf $(SONAME) $(DESTDIR)$(libdir)/libmsocket.so
	@install -d $(DESTDIR)$(udevrulesdir) $(DESTDIR)$(systemdunitdir) $(DESTDIR)$(sysusersdir)
	@install -m 0644 tools/udev/60-msocket.rules $(DESTDIR)$(udevrulesdir)/
	@install -m 0644 tools/systemd/msocket.sysusers $(DESTDIR)$(sysusersdir)/msocket.conf
	@for unit in $(SYSTEMD_UNITS); do \
		sed 's|/usr/local/bin|$(bindir)|g' tools/systemd/$$unit >$(DESTDIR)$(systemdunitdir)/$$unit || exit 1; \
	done
	@install -d $(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) $(DESTDIR)$(fishcompdir)
	@for c in mstack vustack; do \
		install -m 0644 $(BUILD)/completions/$$c.bash $(DESTDIR)$(bashcompdir)/$$c && \
		install -m 0644 $(BUILD)/completions/_$$c $(DESTDIR)$(zshcompdir)/_$$c && \
		install -m 0644 $(BUILD)/completions/$$c.fish $(DESTDIR)$(fishcompdir)/$$c.fish || exit 1; \
	done
	@install -m 0644 tools/libmsocket/msocket.h $(DESTDIR)$(includedir)/msocket.h
	@install -m 0644 uapi/linux/msocket.h $(DESTDIR)$(includedir)/msocket/linux/msocket.h
	@sed -e 's|@PREFIX@|$(prefix)|; s|@LIBDIR@|$(libdir)|; s|@INCLUDEDIR@|$(includedir)|' \
		-e 's|@VERSION@|$(VERSION)|' tools/libmsocket/msocket.pc.in \
		>$(DESTDIR)$(libdir)/pkgconfig/msocket.pc
	@install -m 0755 $(BUILD)/bin/mstack $(BUILD)/bin/vustack $(DESTDIR)$(bindir)/
	@for page in $(MAN_PAGES); do \
		sec=$${page##*.}; install -d $(DESTDIR)$(mandir)/man$$sec && \
		install -m 0644 $$page $(DESTDIR)$(mandir)/man$$sec/ || exit 1; \
	done
	@echo "  INSTALL $(DESTDIR)$(prefix): libmsocket, msocket.h, msocket.pc, mstack, vustack, completions, man pages, udev rule, sysusers.d, systemd units"
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null; then ldconfig; fi
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(sysusersdir)/msocket.conf; fi

# What install put there, by the same variables; the module of the kernel
# it is built for. depmod and ldconfig follow, as for install.
uninstall:
	@krel=$$($(if $(KDIR),$(MAKE) -s -C $(KDIR) kernelrelease,cat "$$(qemu/build-kernel $(KERNEL))/msocket-release")) && \
		rm -f "$(DESTDIR)$(if $(moduledir),$(moduledir),/lib/modules/$$krel/extra)/msocket.ko" && \
		if [ -z "$(DESTDIR)" ] && command -v depmod >/dev/null; then depmod -a "$$krel"; fi
	@rm -f $(DESTDIR)$(libdir)/libmsocket.a $(DESTDIR)$(libdir)/libmsocket.so.$(VERSION) \
		$(DESTDIR)$(libdir)/$(SONAME) $(DESTDIR)$(libdir)/libmsocket.so \
		$(DESTDIR)$(libdir)/pkgconfig/msocket.pc $(DESTDIR)$(includedir)/msocket.h \
		$(DESTDIR)$(includedir)/msocket/linux/msocket.h $(DESTDIR)$(bindir)/mstack $(DESTDIR)$(bindir)/vustack \
		$(DESTDIR)$(udevrulesdir)/60-msocket.rules $(DESTDIR)$(sysusersdir)/msocket.conf \
		$(foreach unit,$(SYSTEMD_UNITS),$(DESTDIR)$(systemdunitdir)/$(unit)) \
		$(foreach c,mstack vustack,$(DESTDIR)$(bashcompdir)/$(c) $(DESTDIR)$(zshcompdir)/_$(c) \
			$(DESTDIR)$(fishcompdir)/$(c).fish) \
		$(foreach page,$(MAN_PAGES),$(DESTDIR)$(mandir)/man$(subst .,,$(suffix $(page)))/$(notdir $(page)))
	@echo "  UNINSTALL $(DESTDIR)$(prefix)"
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null; then ldconfig; fi

install-check:
	@qemu/install-check

# DKMS: the module's sources with tools/dkms (dkms.conf, dkms-build) in
# $(dkmsdir), where `dkms add/build/install msocket/$(VERSION)` finds them;
# dkms then builds msocket.ko for each installed kernel with Rust.
# uninstall-dkms takes back what install-dkms put there and the crates
# dkms-build keeps per kernel (after `dkms remove`, without DESTDIR).
# `make dkms-check` tests it against Debian's headers (qemu/dkms-check).
dkmsdir ?= /usr/src/msocket-$(VERSION)
DKMS_CACHE := /var/cache/msocket/dkms

install-dkms:
	@rm -rf $(DESTDIR)$(dkmsdir)
	@install -d $(DESTDIR)$(dkmsdir)
	@cp -p --parents $(KMOD_SOURCES) $(DESTDIR)$(dkmsdir)/
	@install -m 0755 tools/dkms/dkms-build $(DESTDIR)$(dkmsdir)/dkms-build
	@sed 's/@VERSION@/$(VERSION)/' tools/dkms/dkms.conf >$(DESTDIR)$(dkmsdir)/dkms.conf
	@echo "  INSTALL $(DESTDIR)$(dkmsdir): msocket's sources for dkms"

uninstall-dkms:
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null && [ -n "$$(dkms status msocket/$(VERSION))" ]; then \
		dkms remove msocket/$(VERSION) --all; \
	fi
	@rm -rf $(DESTDIR)$(dkmsdir) $(DESTDIR)$(DKMS_CACHE)
	@rmdir $(DESTDIR)$(dir $(DKMS_CACHE)) 2>/dev/null || true
	@echo "  UNINSTALL $(DESTDIR)$(dkmsdir), $(DESTDIR)$(DKMS_CACHE)"

dkms-check: deps selftests
	@qemu/dkms-check

# The Debian packages (debian/), built in the build root and checked with
# lintian: build/deb/*.deb (qemu/deb).
deb: deps
	@qemu/deb

# The packages on a real Debian boot: an mmdebstrap image with systemd,
# udev and dkms under QEMU, two kernels, a reboot, apt purge
# (qemu/system-check; README: Tests).
system-check: deps
	@qemu/system-check

# Everything qemu/run puts in the VM.
vm-payload: module $(PAYLOAD_TOOLS) selftests

check: deps
	@qemu/check

# Debian's arm64 kernel under emulation (qemu/check --arm64; README: Tests).
check-arm64: deps
	@qemu/check --arm64

demo: deps
	@qemu/run --kernel $(KERNEL) --timeout 600 --exec 'sh /usr/bin/msocket-demo'

shell: deps
	@qemu/run --kernel $(KERNEL) --shell

# The long reliability runs: on the debug kernel 1,000,000 fuzzed calls,
# 30 s per race, 10,000 stacks and 100,000 sockets (on 7.3 about 80 min
# on two busy cores: the 1,000,000 calls take 10 min, the 10,000 stacks
# 28); then the races and the stress test on the KCSAN kernel (6 min),
# and `make stress-rt`.
STRESS_ENV := MSOCKET_FUZZ_CALLS=1000000 MSOCKET_FUZZ_SECONDS=7200 \
	MSOCKET_RACE_SECONDS=30 MSOCKET_STRESS_STACKS=10000 MSOCKET_STRESS_SOCKETS=100000 \
	MSOCKET_STRESS_NS_LIMIT=64
# The smaller sizes of the runs on the other kernels.
STRESS_SHORT_ENV := $(STRESS_ENV) MSOCKET_STRESS_STACKS=1000 MSOCKET_STRESS_SOCKETS=20000
stress: deps
	@qemu/run --vm-dir $(BUILD)/vm-stress --timeout 14400 \
		--exec '$(STRESS_ENV) /selftests/run_all'
	@qemu/run --kernel kcsan --vm-dir $(BUILD)/vm-stress-kcsan --timeout 7200 \
		--exec '$(STRESS_SHORT_ENV) sh -c "cd /selftests && ./races && ./stress"'
	@$(MAKE) --no-print-directory stress-rt

# PREEMPT_RT: the races, the fault injection and the stress test on the
# debug-rt kernel (the debug kernel with PREEMPT_RT: lockdep, KASAN and
# kmemleak under RT's sleeping spinlocks), then on Debian's rt kernel,
# unmodified. Every program runs, whatever an earlier one found.
RT_STRESS_RUN := cd /selftests && rc=0 && for t in races faults stress; do \
	./\$$t || rc=1; done && exit \$$rc
stress-rt: deps
	@qemu/run --kernel debug-rt --vm-dir $(BUILD)/vm-stress-debug-rt --timeout 7200 \
		--exec '$(STRESS_SHORT_ENV) sh -c "$(RT_STRESS_RUN)"'
	@qemu/run --kernel rt --vm-dir $(BUILD)/vm-stress-rt --timeout 7200 \
		--exec '$(STRESS_SHORT_ENV) sh -c "$(RT_STRESS_RUN)"'

# Benchmarks (tools/bench): ratios of runs taken side by side, printed with
# the goals as pass or MISS; nothing here is a test. On each kernel of
# BENCH_KERNELS (perf: no debugging; stock: Debian's own, with its audit,
# LSMs and mitigations) two boots: one under QEMU -icount (guest time in
# instructions, whatever the host does) for creation, scale, the data path
# and the Go bench; one with two CPUs and the host clock for concurrency.
# BENCH picks parts (creation scale threads datapath go; default all);
# BENCH_ROUNDS and BENCH_ITERATIONS size them. Results: build/bench/KERNEL.md.
BENCH ?= all
BENCH_KERNELS ?= perf stock
BENCH_ROUNDS ?= 7
BENCH_ITERATIONS ?= 20000
BENCH_ENV = BENCH_ROUNDS=$(BENCH_ROUNDS) BENCH_ITERATIONS=$(BENCH_ITERATIONS)
BENCH_ALL := $(if $(filter all,$(BENCH)),creation scale datapath threads go,$(BENCH))
BENCH_ICOUNT_PARTS := $(filter creation scale datapath,$(BENCH_ALL))
BENCH_GO_RUN := /usr/sbin/ip netns add gobench && d=$$(mktemp -d) && mount -t stackfs none $$d && \
	mstack add --netns /run/netns/gobench $$d/gobench && \
	$(BENCH_ENV) msocket-gobench $$d/gobench /run/netns/gobench && umount $$d && \
	/usr/sbin/ip netns del gobench
BENCH_ICOUNT_RUN := $(if $(BENCH_ICOUNT_PARTS),$(BENCH_ENV) msocket-bench $(BENCH_ICOUNT_PARTS))\
	$(if $(and $(BENCH_ICOUNT_PARTS),$(filter go,$(BENCH_ALL))), && )\
	$(if $(filter go,$(BENCH_ALL)),$(BENCH_GO_RUN))
BENCH_SOURCES := $(wildcard tools/bench/*.c) tools/bench/bench.h
$(BUILD)/bench/msocket-bench: $(BENCH_SOURCES) $(BUILD)/lib/libmsocket.a selftests/msocket_test.h
	@mkdir -p $(@D)
	@echo "  CC      tools/bench"
	@$(CC) $(SELFTEST_CFLAGS) -Iselftests -Itools/libmsocket -Itools/bench -o $@ \
		$(filter %.c,$(BENCH_SOURCES)) $(BUILD)/lib/libmsocket.a -lpthread
$(BUILD)/bench/msocket-gobench: tools/bench/go/go.mod tools/bench/go/main.go $(GO_SOURCES)
	@mkdir -p $(@D)
	@echo "  GO      tools/bench/go"
	@cd tools/bench/go && $(GO_BUILD_ENV) $(GO) build -o $(abspath $@) .
bench: deps $(BUILD)/bench/msocket-bench $(BUILD)/bench/msocket-gobench
	@set -e; icount_run='$(strip $(BENCH_ICOUNT_RUN))'; \
	for k in $(BENCH_KERNELS); do \
		out=$(BUILD)/bench/$$k.md; rc=$$out.rc; \
		echo "# make bench on the $$k kernel ($$(date -u +%F))" >$$out; \
		if [ -n "$$icount_run" ]; then \
			echo "[bench] $$k kernel, -icount: $(filter-out threads,$(BENCH_ALL))"; \
			{ qemu/run --kernel $$k --icount --vm-dir $(BUILD)/bench/vm-$$k --timeout 5400 \
				--add $(BUILD)/bench/msocket-bench:/usr/bin/msocket-bench \
				--add $(BUILD)/bench/msocket-gobench:/usr/bin/msocket-gobench \
				--exec "$$icount_run" || s=$$?; echo $${s:-0} >$$rc; } | tee -a $$out; \
			[ "$$(cat $$rc)" = 0 ]; \
		fi; \
		if [ -n "$(filter threads,$(BENCH_ALL))" ]; then \
			echo "[bench] $$k kernel, two CPUs, host clock: threads"; \
			{ qemu/run --kernel $$k --vm-dir $(BUILD)/bench/vm-$$k --timeout 1800 \
				--add $(BUILD)/bench/msocket-bench:/usr/bin/msocket-bench \
				--exec '$(BENCH_ENV) msocket-bench threads' || s=$$?; \
				echo $${s:-0} >$$rc; } | tee -a $$out; \
			[ "$$(cat $$rc)" = 0 ]; \
		fi; \
		rm -f $$rc; echo "[bench] $$k kernel: results in $$out"; \
	done

# Fails on any rustc or clippy warning.
clippy:
	@mkdir -p $(BUILD)
	@rc=0; $(MAKE) --no-print-directory module CLIPPY=1 >$(BUILD)/clippy.log 2>&1 || rc=$$?; \
		cat $(BUILD)/clippy.log; [ $$rc -eq 0 ] && ! grep -Eq '^(warning|error)' $(BUILD)/clippy.log
	@for c in $(RUST_CRATES); do \
		$(CARGO) clippy --all-targets --all-features $(CARGO_FLAGS) --manifest-path $$c/Cargo.toml -- -D warnings || exit 1; \
	done

fmt:
	@rustfmt --edition 2021 --config-path .rustfmt.toml msocket.rs
	@for c in $(RUST_CRATES); do $(CARGO) fmt --manifest-path $$c/Cargo.toml || exit 1; done

fmt-check:
	@rustfmt --check --edition 2021 --config-path .rustfmt.toml msocket.rs
	@for c in $(RUST_CRATES); do $(CARGO) fmt --check --manifest-path $$c/Cargo.toml || exit 1; done

# User-space C is checked with one more exception: ENOSYS, which libmsocket
# returns, as a missing system call does, when /dev/msocket is absent.
CHECKPATCH_IGNORE := SPDX_LICENSE_TAG,FILE_PATH_CHANGES,CONST_STRUCT,PREFER_KERNEL_TYPES
checkpatch:
	@ksrc=$$(qemu/build-kernel --source) && \
		"$$ksrc/scripts/checkpatch.pl" --no-tree --terse --strict --show-types \
		--ignore $(CHECKPATCH_IGNORE) \
		-f $(wildcard rust/*.c rust/*.h uapi/linux/*.h) && \
		"$$ksrc/scripts/checkpatch.pl" --no-tree --terse --strict --show-types \
		--ignore $(CHECKPATCH_IGNORE),ENOSYS \
		-f $(wildcard selftests/*.c selftests/*.h selftests/progs/*.c tools/libmsocket/*.c \
		tools/libmsocket/*.h tools/examples/*.c tools/bench/*.c tools/bench/*.h)

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,/^$$/p' Makefile | sed 's/^# \{0,1\}//'
