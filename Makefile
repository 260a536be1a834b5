# coldchain gateway. `make demo` runs the demo, `make test` the whole test suite; both install what they need.
PREFIX      ?= /usr
DESTDIR     ?=
SWIFT       ?= swift
RELEASE_DIR  = .build/release
# The version, from the one place the programs read it (coldchaind --version, coldchainctl version).
VERSION     := $(shell sed -n 's/.*public static let current = "\(.*\)"/\1/p' Sources/ColdChain/Events/EventType.swift)
DEB_VERSION ?= $(VERSION)

.PHONY: deps build test demo release install uninstall bench clean deb deb-check

deps:
	@.ci/install-deps

build: deps
	$(SWIFT) build

# The executables are built first: the end-to-end tests run them as child processes.
# The run's log is kept, and on failure what failed is printed again at the end: CI shows only the last lines,
# and a failed expectation from hundreds of lines earlier was otherwise lost.
test: build
	$(SWIFT) build --build-tests
	@bash -o pipefail -c '$(SWIFT) test --skip-build 2>&1 | tee .build/test.log' || \
		{ echo "--- what failed (from .build/test.log):"; grep -E "^✘|: error: |Fatal error" .build/test.log | grep -v "^✘ Test run" | cut -c1-300 | head -16; exit 1; }
	@# The Debian package (issue 24) installs on this machine: only as root, and not with COLDCHAIN_SKIP_PACKAGE=1.
	@if [ "$$(id -u)" = 0 ] && [ -z "$${COLDCHAIN_SKIP_PACKAGE:-}" ]; then $(MAKE) --no-print-directory deb-check; \
	else echo "the package check (make deb-check) runs as root only: skipped"; fi

# The Debian package: .build/deb/coldchaind_VERSION_ARCH.deb (systemd/debian: its control file, maintainer scripts,
# copyright and lintian overrides).
deb: release
	systemd/debian/build-deb $(DEB_VERSION) $(RELEASE_DIR) .build/deb

# The package with Debian's tools, as root on this machine (it installs, upgrades, removes and purges coldchaind):
# lintian, then Tests/Package/check-deb.sh against this version and the same build numbered one higher, then
# Tests/Package/check-systemd.sh: both versions in a fresh Debian 12 root under a real systemd (issue 32).
deb-check: deb
	systemd/debian/build-deb $(DEB_VERSION)+1 $(RELEASE_DIR) .build/deb-next >/dev/null
	Tests/Package/check-deb.sh .build/deb/coldchaind_$(DEB_VERSION)_$$(dpkg --print-architecture).deb \
		.build/deb-next/coldchaind_$(DEB_VERSION)+1_$$(dpkg --print-architecture).deb
	@# The same package as a clinic meets it: a fresh Debian 12 root booted under a real systemd (systemd-nspawn).
	Tests/Package/check-systemd.sh .build/deb/coldchaind_$(DEB_VERSION)_$$(dpkg --print-architecture).deb \
		.build/deb-next/coldchaind_$(DEB_VERSION)+1_$$(dpkg --print-architecture).deb

demo: build
	.build/debug/coldchaind --demo --state-dir demo-state

# Release binaries with the Swift runtime linked in, so the gateway needs no Swift toolchain
# (it needs libmodbus5, libsqlite3-0 and libcurl4 from Debian).
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

bench: deps
	$(SWIFT) build -c release
	$(RELEASE_DIR)/coldchain-bench ledger
	$(RELEASE_DIR)/coldchain-bench poller
	$(RELEASE_DIR)/coldchain-bench daemon --sensors 32 --seconds 60
	$(RELEASE_DIR)/coldchain-bench scans --scanners 4 --rate 50 --seconds 10
	$(RELEASE_DIR)/coldchain-bench uplink --events 100000 --batch 500
	$(RELEASE_DIR)/coldchain-bench control --seconds 20
	$(RELEASE_DIR)/coldchain-bench history --years 1
	$(RELEASE_DIR)/coldchain-bench slowdisk --seconds 20
	$(RELEASE_DIR)/coldchain-bench web --clients 50 --seconds 60
	$(RELEASE_DIR)/coldchain-bench mqtt --events 100000
	$(RELEASE_DIR)/coldchain-bench fleet --gateways 200 --days 1

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/coldchaind/devices $(DESTDIR)/etc/coldchaind \
		$(DESTDIR)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(PREFIX)/lib/tmpfiles.d $(DESTDIR)$(PREFIX)/lib/modules-load.d \
		$(DESTDIR)$(PREFIX)/share/doc/coldchaind
	# One binary holding the four programs, each a link to it (as the package): the Swift runtime once, not four times.
	install -m 0755 $(RELEASE_DIR)/coldchain $(DESTDIR)$(PREFIX)/bin/coldchain
	# Debug information off; the symbols stay, so a crash's backtrace still names functions.
	strip --strip-debug $(DESTDIR)$(PREFIX)/bin/coldchain
	for b in coldchaind coldchainctl coldchain-web coldchain-sim; do ln -sf coldchain $(DESTDIR)$(PREFIX)/bin/$$b; done
	install -m 0644 Devices/*.json5 $(DESTDIR)$(PREFIX)/share/coldchaind/devices/
	test -e $(DESTDIR)/etc/coldchaind/catalogue.csv || install -m 0644 Config/catalogue.csv $(DESTDIR)/etc/coldchaind/catalogue.csv
	sed 's|devices_dir: "../Devices"|devices_dir: "devices"|' Config/demo.json5 > $(DESTDIR)$(PREFIX)/share/coldchaind/demo.json5
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/coldchaind/README.md
	install -m 0644 systemd/coldchaind.service $(DESTDIR)/lib/systemd/system/coldchaind.service
	install -m 0644 systemd/coldchain-web.service $(DESTDIR)/lib/systemd/system/coldchain-web.service
	install -m 0644 systemd/coldchaind.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/coldchaind.conf
	install -m 0644 systemd/coldchaind.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/coldchaind.conf
	install -m 0644 systemd/coldchaind.modules-load $(DESTDIR)$(PREFIX)/lib/modules-load.d/coldchaind.conf
	# The example config is installed only where none exists: an upgrade never overwrites a site's config.
	test -e $(DESTDIR)/etc/coldchaind/coldchaind.json5 || \
		sed 's|devices_dir: "../Devices"|devices_dir: "$(PREFIX)/share/coldchaind/devices"|' Config/coldchaind.json5 \
		> $(DESTDIR)/etc/coldchaind/coldchaind.json5
	if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null 2>&1; then \
		systemd-sysusers coldchaind.conf 2>/dev/null || systemd-sysusers; \
		systemd-tmpfiles --create coldchaind.conf 2>/dev/null || true; \
		chgrp coldchain /etc/coldchaind /etc/coldchaind/coldchaind.json5 && chmod 0750 /etc/coldchaind && chmod 0640 /etc/coldchaind/coldchaind.json5; \
		systemctl daemon-reload || true; \
		echo "installed. Edit /etc/coldchaind/coldchaind.json5, check it with: coldchaind --check-config"; \
		echo "then: systemctl enable --now coldchaind"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/coldchain $(DESTDIR)$(PREFIX)/bin/coldchaind $(DESTDIR)$(PREFIX)/bin/coldchainctl \
		$(DESTDIR)$(PREFIX)/bin/coldchain-sim $(DESTDIR)$(PREFIX)/bin/coldchain-web
	rm -rf $(DESTDIR)$(PREFIX)/share/coldchaind $(DESTDIR)$(PREFIX)/share/doc/coldchaind
	rm -f $(DESTDIR)/lib/systemd/system/coldchaind.service $(DESTDIR)/lib/systemd/system/coldchain-web.service $(DESTDIR)$(PREFIX)/lib/sysusers.d/coldchaind.conf \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/coldchaind.conf $(DESTDIR)$(PREFIX)/lib/modules-load.d/coldchaind.conf
	@echo "kept /etc/coldchaind and /var/lib/coldchaind (the ledger must be kept for years: remove it deliberately)"

clean:
	rm -rf .build demo-state
