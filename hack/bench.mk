# Benchmarks: the plugin against flux, oras and crane on a local registry.
# Included by the top-level Makefile. Results: stdout and .bench/results.md.
#
#   make bench                                  # every set; ~11 min on 2 busy cores
#   make bench BENCH_SETS=small,medium          # skip the ~1 GB tree: ~2 min
#   make bench BENCH_LARGE_TOOLS=ours,flux,oras,crane   # every peer on 1 GB too (+~8 min)
#   make bench BENCH_ARGS="-reps 9 -tools ours,flux"

TOOLS_BIN ?= $(CURDIR)/bin/tools
BENCH_REPS ?= 5
BENCH_SETS ?= small,medium,large
# On the ~1 GB tree each single-threaded peer push costs ~1 min a run, and the
# targets there (peak RSS, flat as the tree grows) compare with flux only.
BENCH_LARGE_TOOLS ?= ours,flux
BENCH_ARGS ?=
# The registry serves every run; the peers are what the plugin is compared with.
BENCH_TOOLS := registry peers flux

.PHONY: bench
bench: ## Benchmark push, pull and list against flux, oras and crane (timings reported, not asserted).
	$(MAKE) build
	TOOLS_BIN=$(TOOLS_BIN) hack/tools/build.sh $(BENCH_TOOLS)
	$(GO) run ./hack/bench -reps $(BENCH_REPS) -sets $(BENCH_SETS) -large-tools $(BENCH_LARGE_TOOLS) \
		-plugin $(BIN) -tools-dir $(TOOLS_BIN) -out .bench/results.md $(BENCH_ARGS)
