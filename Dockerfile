# Build a static controller binary, then ship it alone on distroless.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/ecscheck .

FROM gcr.io/distroless/static:nonroot
COPY --from=build /out/ecscheck /ecscheck
USER 65532:65532
ENTRYPOINT ["/ecscheck"]
