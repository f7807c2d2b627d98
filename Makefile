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
CDK := npx --no-install cdk
FUZZTIME ?= 30s

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

.PHONY: demo
demo: ## the full pipeline on in-process fakes: Garoon mails become calendar events (no accounts needed)
	go run ./function/cmd/garoon-sync demo

.PHONY: test
test: fmt-check vet staticcheck ## everything CI runs: format, vet, staticcheck, all module tests
	go test -count=1 work

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
lint: fmt-check vet staticcheck ## gofmt, go vet, staticcheck (pinned in tools/go.mod)

.PHONY: build
build: ## reproducible arm64 Lambda bootstrap in dist/function/bootstrap
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build $(LAMBDA_FLAGS) -o dist/function/bootstrap ./function/cmd/bootstrap
	@sha256sum dist/function/bootstrap

.PHONY: cli
cli: ## the garoon-sync CLI for this machine in dist/garoon-sync
	CGO_ENABLED=0 go build -trimpath -o dist/garoon-sync ./function/cmd/garoon-sync

.PHONY: fuzz
fuzz: ## fuzz the mail parser for FUZZTIME (default 30s)
	go test ./function/internal/garoon -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)

.PHONY: bench
bench: ## parser and engine benchmarks
	go test ./function/... -run '^$$' -bench . -benchmem
