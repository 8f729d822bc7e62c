# Builds the one rightsdesk binary; docker-compose.yml runs it in each role.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/rightsdesk ./cmd/rightsdesk

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rightsdesk /usr/local/bin/rightsdesk
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/rightsdesk"]
CMD ["serve"]
