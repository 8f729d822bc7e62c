.PHONY: test run vet race bench

test:
	go test ./...

run:
	go run ./cmd/rightsdesk dev

vet:
	go vet ./...

race:
	go test -race ./...

bench:
	go test -run '^$$' -bench . -benchmem ./...
