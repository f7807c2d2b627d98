# garoon-calendar-sync: every entry point people need. Run `make help`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1

ENV ?= dev
GO_PKGS := ./shared/... ./function/... ./infra/... ./tools/...
# One build mode (the workspace) and fixed flags: the bootstrap is bit-for-bit
# reproducible, so the CDK asset hash only changes when the code does.
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w -buildid='
# The exact Go release of go.work's toolchain line: the bootstrap's bytes,
# and so the asset hash cdk diff shows, depend on it. A newer local Go
# fetches this one from the Go module proxy once (go.dev/doc/toolchain).
LAMBDA_TOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.work)
CDK := npx --no-install cdk
FUZZTIME ?= 30s

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

# The demos run the CLI built in dist/ (what `make cli` builds), not `go run`:
# go run exits 1 when interrupted even if the program exits 0, and make
# then reports Ctrl-C as "Error 1". The first build on a machine with an
# empty Go build cache compiles the AWS and Google SDKs: say so.
CLI_BUILD = CGO_ENABLED=0 go build -trimpath $(if $(wildcard .git),-buildvcs=true) -o dist/garoon-sync ./function/cmd/garoon-sync

.PHONY: demo-cli
demo-cli:
	@if [ ! -x dist/garoon-sync ]; then echo "Building the CLI into dist/garoon-sync (the first build on a machine takes about a minute)..."; fi
	@$(CLI_BUILD)

.PHONY: demo
demo: demo-cli ## the full pipeline on in-process fakes: Garoon mails become calendar events (no accounts needed)
	dist/garoon-sync demo

.PHONY: demo-serve
demo-serve: demo-cli ## the demo, then its fakes keep running until Ctrl-C: try doctor, secret check and run against them
	dist/garoon-sync demo --serve

.PHONY: test
test: fmt-check vet staticcheck actionlint ## gofmt, go vet, staticcheck, actionlint, then go test -race of every module (end-to-end included); CI (.ci/run) runs it first
	go test -race -count=1 work

.PHONY: fmt-check
fmt-check:
	@out=$$(gofmt -l shared function infra tools); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: vet
vet:
	go vet work

.PHONY: staticcheck
staticcheck:
	go tool staticcheck $(GO_PKGS)

.PHONY: lint
lint: fmt-check vet staticcheck actionlint ## gofmt, go vet, staticcheck, actionlint (pinned in tools/go.mod)

.PHONY: actionlint
actionlint:
	go tool actionlint

.PHONY: build
build: ## reproducible arm64 Lambda bootstrap in dist/function/bootstrap
	GOTOOLCHAIN=$(LAMBDA_TOOLCHAIN) GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build $(LAMBDA_FLAGS) -o dist/function/bootstrap ./function/cmd/bootstrap
	@# Lambda runs the bootstrap as another user than the file's owner: it
	@# must be world-executable whatever the umask (the asset zip keeps the mode).
	chmod 0755 dist/function/bootstrap
	@sha256sum dist/function/bootstrap

# The CDK CLI pinned in package-lock.json. Stack names: contract.StackName.
STACK = GaroonCalendarSync-$(ENV)

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch node_modules

# ALARM_EMAIL (an address, or none) stands in for the alarmEmail of every
# environment whose own cdk.json entry has none (cdk.json's alarmEmail
# context key): for offline synths only, deploy never passes it.
ALARM_EMAIL ?=
SYNTH_CONTEXT = $(if $(ALARM_EMAIL),-c alarmEmail=$(ALARM_EMAIL))

.PHONY: synth
synth: build node_modules ## CloudFormation template of ENV (dev, prod) in cdk.out/; offline, no AWS credentials
	$(CDK) synth -q --no-notices -c env=$(ENV) $(SYNTH_CONTEXT)
	@echo "wrote cdk.out/$(STACK).template.json"

# No -c env: the app synthesizes every environment cdk.json defines, into
# one cloud assembly (what the pull-request diff reads); cdk-nag errors
# fail it. The names come from the assembly's manifest, not from a list here.
.PHONY: synth-all
synth-all: build node_modules ## every environment of cdk.json in cdk.out/, offline; ALARM_EMAIL=none for those without alarmEmail
	$(CDK) synth -q --no-notices $(SYNTH_CONTEXT)
	@node -e 'const m = require("./cdk.out/manifest.json"); for (const a of Object.values(m.artifacts)) if (a.type === "aws:cloudformation:stack") console.log("wrote cdk.out/" + a.properties.templateFile)'

.PHONY: diff
diff: build node_modules ## cdk diff of ENV against the deployed stack (needs AWS credentials)
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	if $(CDK) diff --no-notices -c env=$(ENV) 2>&1 | tee "$$log"; then exit 0; fi; \
	if grep -qE 'Unable to resolve AWS account|no credentials have been configured|Could not load credentials|ExpiredToken|SSO session|security token included in the request is (invalid|expired)' "$$log"; then \
		echo >&2; \
		echo "make diff needs AWS credentials for $(ENV)'s account: log in (e.g. aws sso login, or export AWS_PROFILE) and run it again." >&2; \
		echo "For an offline review, compare the infra/testdata snapshots: git diff main -- infra/testdata/$(STACK).template.json" >&2; \
	fi; exit 1

.PHONY: deploy
deploy: build node_modules ## build the bootstrap, then deploy ENV (asks before any IAM right widens)
	$(CDK) deploy --no-notices -c env=$(ENV) --require-approval broadening

.PHONY: cdk-bootstrap
cdk-bootstrap: build node_modules ## once per account and region: the CDK's deployment resources for ENV
	$(CDK) bootstrap --no-notices -c env=$(ENV)

.PHONY: cli
cli: ## the garoon-sync CLI for this machine in dist/garoon-sync (stamped with the git revision)
	$(CLI_BUILD)
	@dist/garoon-sync version

.PHONY: e2e
e2e: ## end-to-end: the bootstrap under the Lambda emulator against real Dovecot (apt-get install dovecot-imapd)
	go test -count=1 -v ./function/e2e/

.PHONY: fuzz
fuzz: ## fuzz the mail parser for FUZZTIME (default 30s)
	go test ./function/internal/garoon -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)

.PHONY: bench
bench: ## parser and engine benchmarks, and Python's email package on the same mails for comparison
	go test ./function/internal/garoon ./function/internal/syncer -run '^$$' -bench . -benchmem
	@# Python on the very mails BenchmarkParse reads (examples, generated table, flows)
	d=$$(mktemp -d) && GAROON_CORPUS_DIR=$$d go test ./function/internal/garoon -run '^TestWriteCorpus$$' -count=1 >/dev/null && \
		python3 scripts/bench_python_email.py $$d; rc=$$?; rm -rf $$d; exit $$rc
