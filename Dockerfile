# Builds the one rightsdesk binary; docker-compose.yml runs it in each role.
# -tags production leaves the dev tooling out (internal/devtools: the embedded
# Temporal server and its Web UI, the private PostgreSQL, the mail catcher, the
# demo systems); this binary's `dev` and `bench` say so. deploy_test.go checks it.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -tags production -o /out/rightsdesk ./cmd/rightsdesk

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rightsdesk /usr/local/bin/rightsdesk
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/rightsdesk"]
CMD ["serve"]
