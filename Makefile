# feedwatch — build, test, run, install.
#
#   make run      install missing apt packages, build release, run the daemon on the shipped
#                 config with its state under ./var/
#   make test     same set-up, then every test (what .ci/run calls)
#   make install  PREFIX=/usr/local DESTDIR= : binary, unit, example config, man pages
#
# Everything a fresh Debian machine lacks is installed by `make deps`; nothing else is assumed.

PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
UNITDIR    ?= $(PREFIX)/lib/systemd/system
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SWIFT      ?= swift
CONFIG     ?= config/feedwatch.toml
RUNDIR     ?= $(CURDIR)/var

# Build-time and test-time Debian packages. libcurl's OpenSSL flavour matches libcrypto (one TLS stack).
APT_PACKAGES = libcurl4-openssl-dev libxml2-dev libssl-dev libsqlite3-dev pkg-config \
               systemd man-db python3 python3-prometheus-client python3-jsonschema python3-venv jq \
               ca-certificates
# Test-only Python packages that Debian does not carry, into a virtualenv under .build (PyPI).
TEST_VENV  = $(CURDIR)/.build/test-venv
PIP_PACKAGES = standardwebhooks==1.1.0
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps test-deps build release run test test-unit test-system lint bench man install uninstall clean

all: build

## deps: install the Debian packages that are missing (no-op when all are present)
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## run: the daemon on the shipped config; state and event log under ./var (as systemd's
## StateDirectory= and LogsDirectory= would give them), logs on stderr.
run: release
	@mkdir -p $(RUNDIR)/state $(RUNDIR)/log
	STATE_DIRECTORY=$(RUNDIR)/state LOGS_DIRECTORY=$(RUNDIR)/log \
	  $(CURDIR)/.build/release/feedwatch run --config $(CONFIG)

## test-deps: the independent Standard Webhooks verifier the signature test runs
test-deps: deps
	@[ -x $(TEST_VENV)/bin/python ] && $(TEST_VENV)/bin/python -c 'import standardwebhooks' 2>/dev/null || { \
	  /usr/bin/python3 -m venv $(TEST_VENV) && $(TEST_VENV)/bin/pip install -q --disable-pip-version-check $(PIP_PACKAGES); }

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory test-system
	$(MAKE) --no-print-directory lint

## test-system: checks on the shipped files that need no Swift (unit file, default config)
test-system:
	./scripts/check-unit.sh systemd/feedwatch.service
	./.build/debug/feedwatch check --config $(CONFIG)

## bench: feedwatch beside its peers on this machine (see BENCHMARKS.md); RUNS=N per figure
bench: deps
	./bench/run.sh

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

install: release
	install -D -m 0755 .build/release/feedwatch $(DESTDIR)$(BINDIR)/feedwatch
	install -D -m 0644 systemd/feedwatch.service $(DESTDIR)$(UNITDIR)/feedwatch.service
	sed -i 's#/usr/local/bin/feedwatch#$(BINDIR)/feedwatch#g' $(DESTDIR)$(UNITDIR)/feedwatch.service
	install -D -m 0644 $(CONFIG) $(DESTDIR)$(SYSCONFDIR)/feedwatch/feedwatch.toml.example
	@[ -e $(DESTDIR)$(SYSCONFDIR)/feedwatch/feedwatch.toml ] || \
	  install -D -m 0644 $(CONFIG) $(DESTDIR)$(SYSCONFDIR)/feedwatch/feedwatch.toml
	install -D -m 0644 systemd/feedwatch.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/feedwatch
	install -D -m 0644 man/man1/feedwatch.1 $(DESTDIR)$(MANDIR)/man1/feedwatch.1
	install -D -m 0644 man/man5/feedwatch.toml.5 $(DESTDIR)$(MANDIR)/man5/feedwatch.toml.5

## man: regenerate man/man1/feedwatch.1 from the command-line definitions (feedwatch.toml.5 is written by hand)
man:
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration debug \
	  --authors "feedwatch developers"
	cp .build/plugins/GenerateManual/outputs/feedwatch/feedwatch.1 man/man1/feedwatch.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/feedwatch $(DESTDIR)$(UNITDIR)/feedwatch.service \
	      $(DESTDIR)$(SYSCONFDIR)/feedwatch/feedwatch.toml.example $(DESTDIR)$(SYSCONFDIR)/logrotate.d/feedwatch \
	      $(DESTDIR)$(MANDIR)/man1/feedwatch.1 $(DESTDIR)$(MANDIR)/man5/feedwatch.toml.5
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/feedwatch/feedwatch.toml and the state directory"

clean:
	rm -rf .build
