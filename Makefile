# ecscheck — `make test` and `make demo` are all a fresh machine needs.
SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

BIN := $(CURDIR)/bin
GO ?= go
GO_TEST_FLAGS ?= -count=1
# The version stamped into the binary (internal/version) and the image tag:
# a release tag (v0.1.0) or `git describe` of the work tree.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/ecscheck/ecscheck/internal/version.Version=$(VERSION)
IMG_REPO ?= ghcr.io/ecscheck/ecscheck
IMG ?= $(IMG_REPO):$(VERSION)

# The control plane for tests is built from Go modules; envtest finds it here.
export KUBEBUILDER_ASSETS := $(BIN)
KUBE_VERSION := v1.37.0
KUBE_LDFLAGS := -s -w \
	-X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 \
	-X k8s.io/component-base/version.gitMinor=37 \
	-X k8s.io/component-base/version.gitTreeState=clean

CONTROLLER_GEN := $(BIN)/controller-gen
GENERATED := api/v1alpha1/zz_generated.deepcopy.go config/crd/bases config/rbac/role.yaml

.PHONY: all
all: build

##@ Development

.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## CRD and RBAC from the markers.
	$(CONTROLLER_GEN) crd rbac:roleName=manager-role paths=./api/... paths=./controllers/... \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Deepcopy functions.
	$(CONTROLLER_GEN) object paths=./api/...

.PHONY: verify-generated
verify-generated: manifests generate ## Fail when generated files differ from what is committed.
	@if [ -n "$$(git status --porcelain --untracked-files=all -- $(GENERATED))" ]; then \
		git --no-pager diff -- $(GENERATED); git status --short -- $(GENERATED); \
		echo "Generated files are out of date: run 'make manifests generate' and commit the result."; exit 1; fi

.PHONY: fmt
fmt:
	$(GO) fmt ./...

.PHONY: vet
vet: ## go vet and gofmt check.
	$(GO) vet ./...
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$unformatted" ]; then \
		echo "Not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi

.PHONY: test
test: tools verify-generated vet lint ## Every test, against a real kube-apiserver and etcd.
	$(GO) test $(GO_TEST_FLAGS) ./...
	@for m in $(TOOL_TEST_MODULES); do echo "== $$m"; (cd $$m && $(GO) test $(GO_TEST_FLAGS) ./...); done

# Tool modules whose tests run with `make test` (they import code the
# product must not, such as the session-manager-plugin).
TOOL_TEST_MODULES := $(patsubst %/go.mod,%,$(wildcard $(addsuffix /go.mod,$(addprefix hack/tools/,ssmplugin actionlint helmchart dashboard))))

.PHONY: bench
bench: tools ## Benchmarks (speed and memory goals live here, not in timed tests).
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Issue 10's scale benchmark: N checks over M identities against the fake
# AWS with per-call latency, the control plane and the controller binary;
# pool mode and the per-check baseline side by side. About ten minutes with
# the defaults; e.g. BENCH_SCALE_FLAGS="-checks 40 -identities 4 -interval 30s -intervals 1".
BENCH_SCALE_FLAGS ?=

.PHONY: bench-scale
bench-scale: tools build ## Scale benchmark (hack/benchscale): AWS calls per interval against the floor, pool vs per-check.
	$(GO) run ./hack/benchscale -controller $(BIN)/ecscheck $(BENCH_SCALE_FLAGS)

.PHONY: demo
demo: tools build ## The sandbox: local control plane, fake AWS, the controller and a check per seed scenario.
	$(GO) run ./hack/sandbox -controller $(BIN)/ecscheck

##@ Build

.PHONY: build
build: ## The controller binary.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ecscheck .

# Images: linux/amd64 and linux/arm64 from one Dockerfile (the build stage
# cross-compiles). docker-buildx pushes: buildx cannot load a multi-arch
# image into the local engine.
PLATFORMS ?= linux/amd64,linux/arm64

.PHONY: docker-build
docker-build: ## The image for this machine's platform, tagged $(IMG).
	docker build --build-arg VERSION=$(VERSION) -t $(IMG) .

.PHONY: docker-buildx
docker-buildx: ## Build and push $(IMG) for $(PLATFORMS).
	docker buildx build --platform $(PLATFORMS) --build-arg VERSION=$(VERSION) -t $(IMG) --push .

##@ Release

DIST ?= $(CURDIR)/dist
KUBECTL ?= $(BIN)/kubectl
MANAGER_KUSTOMIZATION := config/manager/kustomization.yaml

.PHONY: release
release: $(KUBECTL) ## Pin the image to VERSION (vX.Y.Z) in config/manager and the chart, render $(DIST)/install.yaml.
	@[[ "$(VERSION)" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$$ ]] || { echo "VERSION=$(VERSION) is not a release version vX.Y.Z"; exit 1; }
	sed -i -E 's|^(  newTag: ).*|\1$(VERSION)|' $(MANAGER_KUSTOMIZATION)
	if [ -f charts/ecscheck/Chart.yaml ]; then \
		sed -i -E 's|^version: .*|version: $(patsubst v%,%,$(VERSION))|; s|^appVersion: .*|appVersion: $(VERSION)|' charts/ecscheck/Chart.yaml; fi
	mkdir -p $(DIST)
	$(KUBECTL) kustomize config/default > $(DIST)/install.yaml
	@echo "$(DIST)/install.yaml: $$(grep -m1 -o 'image: .*ecscheck:.*' $(DIST)/install.yaml)"

##@ Tools

.PHONY: tools
tools: $(BIN)/kube-apiserver $(BIN)/etcd $(BIN)/kubectl $(CONTROLLER_GEN) ## Build the control plane and generators (cached in bin/).

# A cold build takes about six minutes; it is skipped while bin/ is newer
# than the tool module.
$(BIN)/kube-apiserver $(BIN)/etcd $(BIN)/kubectl &: hack/tools/kube/go.mod hack/tools/kube/go.sum hack/tools/kube/etcd/main.go
	cd hack/tools/kube && $(GO) build -trimpath -ldflags "$(KUBE_LDFLAGS)" -o $(BIN)/ \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ./etcd
	touch $(BIN)/kube-apiserver $(BIN)/etcd $(BIN)/kubectl

$(CONTROLLER_GEN): hack/tools/codegen/go.mod hack/tools/codegen/go.sum
	cd hack/tools/codegen && $(GO) build -o $(BIN)/controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen

GOLANGCI_LINT := $(BIN)/golangci-lint

# golangci-lint is built from its Go module, like the control plane.
$(GOLANGCI_LINT): hack/tools/lint/go.mod hack/tools/lint/go.sum
	cd hack/tools/lint && $(GO) build -o $(BIN)/golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint

.PHONY: lint
lint: $(GOLANGCI_LINT) ## golangci-lint with .golangci.yml.
	$(GOLANGCI_LINT) run ./...

.PHONY: clean
clean:
	rm -rf $(BIN)

.PHONY: help
help:
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
