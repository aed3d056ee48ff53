# Weft: `make` builds weft.ko (kbuild) and weftd, weft, mount.weft (CMake) into build/.
#   make [KVER=release | KDIR=path]   module for another installed kernel
#   make check                        native tests + VM tests on Debian's 6.1 and 6.12
#   make demo                         boot a VM and show Weft working end to end
#   make bench [SMOKE=1]              side-by-side benchmarks (SMOKE: harness check only)
#   make install [DESTDIR=]           module, daemons and CLI in the usual places
#   make sparse                       sparse (C=2) + W=1 over the module

# KVER/KDIR: resolved when a recipe needs them (scripts/kver.sh picks the
# running kernel, else the newest installed headers)
export KVER KDIR
KREL = k=$${KVER:-$$(scripts/kver.sh)} && d=$${KDIR:-/lib/modules/$$k/build}
BUILD := build
CMAKE_BUILD := $(BUILD)/cmake
JOBS ?= $(shell nproc)

.PHONY: all deps kmod kmod-vm userspace check demo bench install clean sparse

all: deps kmod userspace

deps:
	@scripts/deps.sh

kmod:
	@$(KREL) && scripts/build-kmod.sh "$$k" "$$d" && cp $(BUILD)/kmod/$$k/weft.ko $(BUILD)/weft.ko

# the module for every kernel the VM tests boot
kmod-vm:
	@for k in $$(scripts/kvers.sh); do scripts/build-kmod.sh "$$k" || exit 1; done

userspace:
	@cmake -S . -B $(CMAKE_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@$(MAKE) --no-print-directory -s -C $(CMAKE_BUILD) -j$(JOBS)
	@find $(CMAKE_BUILD)/daemon $(CMAKE_BUILD)/cli $(CMAKE_BUILD)/bench $(CMAKE_BUILD)/tests/tools \
		-maxdepth 1 -type f -perm -u+x -exec install -m 0755 {} $(BUILD)/ \;

check: deps kmod-vm userspace
	@scripts/check.sh

demo: deps kmod-vm userspace
	@scripts/demo.sh

bench: deps kmod-vm userspace
	@scripts/bench.sh $(if $(SMOKE),--smoke)

install: kmod userspace
	@$(KREL) && install -D -m 0644 $(BUILD)/weft.ko $(DESTDIR)/lib/modules/$$k/extra/weft.ko && \
		if [ -z "$(DESTDIR)" ]; then depmod -a "$$k"; fi
	install -D -m 0755 $(BUILD)/weftd $(DESTDIR)/usr/sbin/weftd
	install -D -m 0755 $(BUILD)/weft $(DESTDIR)/usr/bin/weft
	install -D -m 0755 $(BUILD)/mount.weft $(DESTDIR)/sbin/mount.weft
	install -D -m 0644 docs/weft.8 $(DESTDIR)/usr/share/man/man8/weft.8
	install -D -m 0644 cli/weft.bash-completion $(DESTDIR)/usr/share/bash-completion/completions/weft

sparse:
	@$(KREL) && WEFT_KBUILD_FLAGS="C=2 W=1" scripts/build-kmod.sh "$$k" "$$d"

clean:
	rm -rf $(BUILD)
