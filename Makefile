.PHONY: test run vet lint race bench

test:
	go test ./...

run:
	go run ./cmd/rightsdesk dev

vet:
	go vet ./...

# staticcheck and Temporal's workflowcheck (determinism of workflow code).
lint: vet
	GOFLAGS= go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	GOFLAGS= go run go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0 ./workflows/...

race:
	go test -race ./...

bench:
	go run ./cmd/rightsdesk bench
