# kiosk — self-checkout lane server. `make help` lists the targets.
GO        ?= go
DB        ?= ./data/kiosk.db
HQDB      ?= ./data/hq.db
HQADDR    ?= 127.0.0.1:8090
BENCH_ROWS ?= 1000000
export CGO_ENABLED ?= 0
# The demo and the tests link the device simulators (and creack/pty); the
# binary make build makes for a store does not.
SIM       := -tags sim

.PHONY: help run build test race bench bench-quick check vet fmt staticcheck fuzz clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## start the kiosk on simulated devices and the demo catalog, and an HQ beside it, and print the URLs
	@mkdir -p bin data
	$(GO) build -o bin/kiosk-hq ./cmd/kiosk-hq
	$(GO) build $(SIM) -o bin/kiosk-demo ./cmd/kiosk
	@# HQ first (its log in data/hq.log); the lane waits for the lane token HQ
	@# writes, pushes its journal there, and both stop together.
	@rm -f data/hq-lane.token; \
	bin/kiosk-hq serve --demo --db $(HQDB) --addr $(HQADDR) --demo-token-file data/hq-lane.token 2>>data/hq.log & hq=$$!; \
	trap 'kill $$hq 2>/dev/null; wait $$hq 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 100); do [ -s data/hq-lane.token ] && break; sleep 0.1; done; \
	bin/kiosk-demo serve --demo --db $(DB) --log text --hq-url http://$(HQADDR) --hq-token-file data/hq-lane.token

build: ## build bin/kiosk for a store (no simulators: serve needs a devices section) and bin/kiosk-hq
	$(GO) build -o bin/kiosk ./cmd/kiosk
	$(GO) build -o bin/kiosk-hq ./cmd/kiosk-hq

test: ## run every test (crash test and headless-Chromium test included)
	$(GO) test $(SIM) -count=1 ./...

race: ## run the tests of the packages with goroutines under the race detector
	CGO_ENABLED=1 $(GO) test $(SIM) -count=1 -race ./kiosk/... ./ui/... ./store/... ./devices/... ./catalog/... ./hq/... ./internal/...

bench: ## run the benchmarks with their baselines and print medians and ratios (1M products, ~10 min)
	@# One go test process per pass (BENCH_COUNT, default 3): each figure runs right
	@# beside its baseline, and the passes spread over time. The catalog is generated
	@# and imported once, in the ignored ./data/bench-cache, and removed at the end.
	@rm -f bench.out; cache="$(CURDIR)/data/bench-cache"; rm -rf "$$cache"; n=$${BENCH_COUNT:-3}; \
	for i in $$(seq $$n); do \
	  echo "== pass $$i of $$n: KIOSK_BENCH_ROWS=$(BENCH_ROWS) $(GO) test -run='^$$' -bench=. -benchtime=1x -count=1 ./bench/"; \
	  KIOSK_BENCH_CACHE="$$cache" KIOSK_BENCH_ROWS=$(BENCH_ROWS) $(GO) test -run='^$$' -bench=. -benchtime=1x -count=1 ./bench/ -timeout 60m | tee -a bench.out; \
	done; rm -rf "$$cache"
	@$(GO) run ./bench/report < bench.out
	@# HQ's drain of 100,000 queued events beside the raw insert rate, on
	@# SQLite and PostgreSQL (its own package: HQ links another SQLite driver).
	KIOSK_BENCH_EVENTS=100000 $(GO) test -run='^$$' -bench=Drain -benchtime=1x -count=$${BENCH_COUNT:-3} ./hq/ -timeout 30m

bench-quick: ## compile and run every benchmark once on small data (CI)
	KIOSK_BENCH_ROWS=20000 KIOSK_BENCH_OPS=50 KIOSK_UNPLUG_FOR=2s KIOSK_BENCH_EVENTS=5000 $(GO) test $(SIM) -run='^$$' -bench=. -benchtime=1x -count=1 ./... -timeout 10m

vet: ## go vet, of the production and the simulator build
	$(GO) vet ./...
	$(GO) vet $(SIM) ./...

fmt: ## fail when gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

staticcheck: ## staticcheck (go tool) of the production and the simulator build
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck $(SIM) ./...

check: vet fmt staticcheck race ## vet, gofmt, staticcheck, race tests and a clean tree
	@git diff --exit-code --stat || (echo "the tree changed during the checks" && exit 1)

fuzz: ## run each fuzz target for FUZZTIME (default 20s)
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test $(SIM) -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test $(SIM) $$pkg -run='^$$' -fuzz="^$$f$$" -fuzztime=$${FUZZTIME:-20s} || exit 1; \
	  done; done

clean: ## remove build output and the local database
	rm -rf bin data bench.out
