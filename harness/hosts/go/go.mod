module github.com/plugbench/plugbench/harness/hosts/go

go 1.25.0

require (
	github.com/HdrHistogram/hdrhistogram-go v1.4.0
	github.com/tetratelabs/wazero v1.12.0
	golang.org/x/sys v0.44.0
)
