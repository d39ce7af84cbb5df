# tgphone — see README.md. `make run` and `make test` are the two commands a new user needs.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
export GOTOOLCHAIN ?= auto
GO ?= go
BIN := bin/tgphone
# no_animations: Fyne's text cursor then shows steadily instead of fading in
# and out, which repainted the whole window about 16 times a second while a
# field had the focus: 6.3 % of a core against 2.3 % with the tag (search
# box focused, software GL under Xvfb). Also gone: the buttons' tap ripple
# and the tabs' sliding underline; tgphone has no animations of its own.
TAGS ?= no_animations

.PHONY: run test build deps deps-test vet fmt-check test-race test-short sandbox screenshots install-desktop deb appimage fyne-package flatpak fuzz soak soak-ui bench cpu-calls clean

run: deps build
	$(BIN) $(ARGS)

build: deps
	$(GO) build -tags '$(TAGS)' -o $(BIN) .

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

# The whole suite: formatting, vet, and every package's tests under the race detector.
test: deps-test fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...   # calling and cli, the longest, take ~3.5 min each under -race; a call that hangs fails in 45 s

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

sandbox: build
	$(BIN) sandbox $(ARGS)

# Real calls through the sandbox on each engine and network profile: prints tables, writes bench/results.json,
# bench/app_results.json and bench/calls_results.json. Over 20 min on this 2-core machine: BenchmarkReportCallsSTOI
# alone took 15-17 min at load average 15-36 (36 calls: 3 engines and packet sizes x 4 profiles x CALLS_SEEDS seeds,
# 25-30 s each, both sides' processes signing in included); CALLS_SEEDS=1 for a quick look (about 5 min).
CALLS_SEEDS ?= 3
bench: deps-test
	$(GO) test ./audio -run '^$$' -bench 'ReceivePath$$' -benchtime 1x -receivepath-json $(CURDIR)/bench/receivepath.json
	cd bench && $(GO) test . -run '^$$' -bench Report -benchtime 1x -timeout 0 -calls-seeds $(CALLS_SEEDS)

# CPU of one side of a clean 22 s call, 2.4.4 and V2 with 60 ms and 20 ms packets, ROUNDS rounds back to back
# (scripts/cpu-calls.sh; about 80 s a round). The README's "CPU of a call" figures come from it.
ROUNDS ?= 6
cpu-calls: build
	BIN=$(BIN) scripts/cpu-calls.sh $(ROUNDS)

# 100 consecutive calls through the sandbox, mixing engines and endings (CI runs 10).
soak: deps-test
	TGPHONE_SOAK_CALLS=100 $(GO) test -count=1 -run TestSoak -v ./calling/

# 20 calls through the real app's windows under Xvfb; fails when RSS grows 5 MiB or more from the
# first call to the last (issue 17 item 16). About 6 minutes (each figure is read 70 s after its
# call), so CI does not run it.
soak-ui: deps-test
	TGPHONE_UI_SOAK=20 $(GO) test -count=1 -timeout 30m -run TestUISoak -v ./cli/

# Every fuzz target (or those matching FUZZONLY) for FUZZTIME each (default 10m), FUZZJOBS at a time; CI does not run it.
fuzz: deps-test
	scripts/fuzz.sh $(or $(FUZZTIME),10m) $(or $(FUZZJOBS),1) $(or $(FUZZONLY),.)

# The binary, menu entry, icon and tel: handler for this user (PREFIX=~/.local).
install-desktop: build
	desktop/install.sh

# A Debian package of the desktop app in dist/ (a stripped release build; Depends read from the binary).
deb: deps
	scripts/deb.sh

# An AppImage of the desktop app in dist/ (release binary, its non-system libraries, our start-up program).
appimage: deps
	scripts/appimage.sh

# Fyne's packaging CLI at a pinned version (the module `fyne package` lives in since Fyne 2.6).
FYNE_TOOLS := v1.7.4
FYNE := bin/fyne-$(FYNE_TOOLS)/fyne
$(FYNE):
	GOBIN=$(CURDIR)/$(dir $(FYNE)) $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS)

# `fyne package` for Linux: dist/tgphone-VERSION-linux-ARCH.tar.xz (binary, menu entry, icon, Makefile).
fyne-package: deps $(FYNE)
	scripts/fyne-package.sh $(FYNE)

# A Flatpak bundle in dist/ (needs Flathub's org.freedesktop.Platform/Sdk 24.08; see packaging/flatpak).
flatpak: deps
	scripts/flatpak.sh

# The real app under Xvfb, two sandbox accounts, one call: PNGs in docs/screenshots/.
screenshots: deps-test build
	scripts/screenshots.sh

clean:
	rm -rf bin dist
