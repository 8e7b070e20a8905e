# logsift — build, test and lint. `sam build` calls the build-<LogicalId> targets.
GO ?= go
# Stripped (-s -w): no symbol table or DWARF in the deployed bootstrap, a smaller package.
GOFLAGS_LAMBDA := -trimpath -tags lambda.norpc -ldflags='-s -w'
# The functions' architecture is set once, in template.yaml (Globals: Architectures); GOARCH follows it.
LAMBDA_ARCH := $(shell sed -n 's/^ *Architectures: *\[ *\([a-z0-9_]*\) *\].*/\1/p' template.yaml | head -n 1)
LAMBDA_GOARCH := $(if $(filter x86_64,$(LAMBDA_ARCH)),amd64,$(if $(filter arm64,$(LAMBDA_ARCH)),arm64,$(error template.yaml: Architectures "$(LAMBDA_ARCH)" is neither arm64 nor x86_64)))
FUZZTIME ?= 30s

.PHONY: test lint vet staticcheck fmt-check cfn-lint asl-lint e2e fuzz bench bench-runs bench-clients run build-local crawler-ranges

# The README's test command: everything CI checks. e2e alone can exceed go test's default 10 min
# on a loaded machine, hence -timeout.
test: vet
	$(GO) test -count=1 -timeout 30m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

staticcheck:
	$(GO) tool staticcheck ./...

lint: fmt-check vet staticcheck cfn-lint asl-lint

# The SAM template (cfn-lint bundles the SAM translator) and the state machine definition.
cfn-lint:
	cfn-lint template.yaml

node_modules/.bin/asl-validator: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

asl-lint: node_modules/.bin/asl-validator
	node_modules/.bin/asl-validator --json-path statemachine/logsift.asl.json

# The pipeline end to end on moto_server, the Lambda Runtime Interface Emulator and a scripted
# Bedrock server (no AWS account). `make test` runs it too.
e2e:
	$(GO) test -count=1 -v ./e2e/

run:
	$(GO) run ./cmd/logsift analyze examples/access-logs.csv

# Every Fuzz target in the module, FUZZTIME each (`make fuzz FUZZTIME=10m`).
# Plain `go test` (and so `make test`) already runs their seed corpora.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# Refresh the crawler address ranges shipped in internal/crawlers/data from the URLs their
# operators publish them at (a person runs this and commits the result; tests never go online).
crawler-ranges:
	$(GO) run ./internal/crawlers/cmd/crawler-ranges -dir internal/crawlers/data
	$(GO) test -count=1 ./internal/crawlers

# Micro-benchmarks (parsers, rules, parse+rules, a many-clients local run); whole runs: scripts/bench-runs.sh.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/logformat ./internal/detect ./internal/pipeline

# Whole runs where every line is a new suspicious client (local and staged): time, peak RSS, report and
# address file size, at 200,000 and 1,000,000 clients (about 10 minutes on 2 cores).
bench-clients:
	STAGED=1 SHAPES="env6 env4 sqlmap6 spread4 mixed4" scripts/bench-clients.sh 200000 1000000

# Lambda bootstrap binaries, as `sam build` builds them (linux, the template's architecture).
define lambda_target
build-$(1):
	GOOS=linux GOARCH=$(LAMBDA_GOARCH) CGO_ENABLED=0 $(GO) build $(GOFLAGS_LAMBDA) -o $$(ARTIFACTS_DIR)/bootstrap ./functions/$(2)
endef
$(eval $(call lambda_target,ParseFunction,parse))
$(eval $(call lambda_target,FilterFunction,filter))
$(eval $(call lambda_target,AnalyzeFunction,analyze))
$(eval $(call lambda_target,AggregateFunction,aggregate))
$(eval $(call lambda_target,NotifyFunction,notify))
$(eval $(call lambda_target,FetchFunction,fetch))
