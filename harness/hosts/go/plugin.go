package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"time"
)

// instance is one live instance of a plugin on one boundary. After a call fails with a
// poisoning kind it is never called again: the host replaces it.
type instance interface {
	init(config []byte) outcome
	// call runs one op; a deadline above zero stops the call where the boundary can (wasm).
	call(op, input []byte, deadline time.Duration) outcome
	shutdown()
	// memoryBytes is the linear memory (wasm), or -1 where the boundary cannot tell (native).
	memoryBytes() int64
	close()
}

// artifact is a verified, compiled or opened plugin that makes instances.
type artifact interface {
	instantiate() (instance, error)
	// close releases what the artifact holds, once its instances are closed.
	close()
}

// describer is an instance before negotiation: `describe` is the only plugin code run then.
type describer interface {
	instance
	describeManifest() (string, error)
}

type openRequest struct {
	Boundary       string `json:"boundary"`
	File           string `json:"file"`
	Sha256         string `json:"sha256"`
	MaxOutputBytes int    `json:"maxOutputBytes"`
	MemoryBytes    int64  `json:"memoryBytes"`
	// LimitNativeMemory holds a native plugin to the quota with RLIMIT_DATA.
	LimitNativeMemory bool `json:"limitNativeMemory"`
	// NoDeadlineChecks compiles a core module without wazero's termination checks: faster,
	// but a deadline can no longer stop a call.
	NoDeadlineChecks bool `json:"noDeadlineChecks"`
	// Abi is `extism` for an Extism plugin (run by the Extism Go SDK), empty for contract v1.
	Abi string `json:"abi,omitempty"`
	// Wasi and Ops: an Extism plugin's WASI preview 1 and its ops, from plugin.json.
	Wasi bool     `json:"wasi,omitempty"`
	Ops  []string `json:"ops,omitempty"`
}

// refusal ends a load; its kind is `incompatible`, `rejected` or `protocol`.
type refusal struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

func (r refusal) Error() string { return r.Message }

// readVerified reads the artifact once and checks its SHA-256 against the signed one, so the
// bytes that are compiled or opened are exactly the bytes that were checked.
func readVerified(request openRequest) ([]byte, error) {
	bytes, err := os.ReadFile(request.File)
	if err != nil {
		why := fmt.Sprintf("artifact `%s` cannot be read (%v); rebuild the plugin with `plugbench build`", request.File, err)
		return nil, refusal{"rejected", why}
	}
	sum := sha256.Sum256(bytes)
	if actual := hex.EncodeToString(sum[:]); actual != request.Sha256 {
		why := fmt.Sprintf("artifact `%s` has SHA-256 %s, but plugin.json lists %s: the file changed after it was "+
			"signed; rebuild the plugin with `plugbench build`", request.File, actual, request.Sha256)
		return nil, refusal{"rejected", why}
	}
	return bytes, nil
}

// plugin holds the current instance and replaces it after a poisoning failure, in place.
type plugin struct {
	artifact artifact
	current  instance
	config   []byte
}

// fresh is a new instance of the plugin, initialised with its config.
func (p *plugin) fresh() (instance, error) {
	next, err := p.artifact.instantiate()
	if err != nil {
		return nil, err
	}
	if init := next.init(p.config); init.kind != kindOK {
		next.close()
		return nil, fmt.Errorf("`init` failed on a new instance (%s): %s", init.kind, init.message)
	}
	return next, nil
}

// sibling is the same plugin in an instance of its own, for another goroutine: an instance
// is called by one goroutine at a time, as a Go service pools them.
func (p *plugin) sibling() (*plugin, error) {
	next, err := p.fresh()
	if err != nil {
		return nil, err
	}
	return &plugin{artifact: p.artifact, current: next, config: p.config}, nil
}

// recycle replaces a poisoned instance; returns how long that took, in ns.
func (p *plugin) recycle() (int64, error) {
	started := time.Now()
	p.current.close()
	next, err := p.fresh()
	if err != nil {
		return 0, err
	}
	p.current = next
	return time.Since(started).Nanoseconds(), nil
}

// call runs one op and recycles the instance when the call poisoned it; recycleNs is -1
// when nothing was recycled.
func (p *plugin) call(op, input []byte, deadline time.Duration) (result outcome, recycleNs int64) {
	result = p.current.call(op, input, deadline)
	if !result.kind.poisons() {
		return result, -1
	}
	ns, err := p.recycle()
	if out, ok := err.(refusal); ok && out.Kind == kindNames[kindResourceExhausted] {
		exit(exitQuota, "cannot replace the instance after a %s: %v", result.kind, err)
	}
	if err != nil {
		fatal("cannot replace the instance after a %s: %v", result.kind, err)
	}
	return result, ns
}

func fatal(format string, args ...any) { exit(exitFatal, format, args...) }

func exit(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "plugbench-go-host: "+format+"\n", args...)
	os.Exit(code)
}
