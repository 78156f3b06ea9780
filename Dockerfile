# Build a static controller binary, then ship it alone on distroless.
#
# Both base images are pinned by digest (a tag can be re-pushed; a digest
# cannot), for every architecture at once: each digest is the multi-arch
# index. Check or bump them with `docker buildx imagetools inspect <image>`.
# The build stage runs on the builder's own platform and cross-compiles
# (CGO_ENABLED=0), so `make docker-buildx` needs no emulation for arm64.
FROM --platform=$BUILDPLATFORM golang:1.26.8@sha256:2dbae744204892730b7032501f5973360ce57cfe118a194b338a97b5aa2d40cc AS build
ARG TARGETOS=linux
ARG TARGETARCH
# The version internal/version reports: make docker-build passes VERSION.
ARG VERSION=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY *.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
    -ldflags="-s -w -X github.com/ecscheck/ecscheck/internal/version.Version=${VERSION}" \
    -o /out/ecscheck .

FROM gcr.io/distroless/static:nonroot@sha256:e2e927ec666bae08560abb3c55d0659eceabb657f56b6782ab500a9fc7f555e3
COPY --from=build /out/ecscheck /ecscheck
USER 65532:65532
ENTRYPOINT ["/ecscheck"]
