package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
)

// extismArtifact is an Extism plugin compiled by the official Go SDK (on wazero), as a Go
// service loads one. The harness has checked its imports; the ops are plugin.json's.
// Deadlines: the SDK's runtime closes a call when its context is done (WithCloseOnContextDone);
// memory: the manifest's max pages, which the SDK sets as wazero's memory limit.
type extismArtifact struct {
	compiled  *extism.CompiledPlugin
	ops       map[string]bool
	quota     int64
	maxOutput int
}

func openExtism(bytes []byte, request openRequest) (*extismArtifact, error) {
	ctx := context.Background()
	pages := min(request.MemoryBytes/wasmPageBytes, maxWasm32Pages)
	manifest := extism.Manifest{
		Wasm: []extism.Wasm{extism.WasmData{Data: bytes}},
		// MaxVarBytes must be given with MaxPages: left at 0 it disables vars (the SDK's default is 1 MiB).
		Memory: &extism.ManifestMemory{MaxPages: uint32(pages), MaxVarBytes: defaultMaxVarBytes},
	}
	config := extism.PluginConfig{
		EnableWasi:    request.Wasi,
		RuntimeConfig: wazero.NewRuntimeConfig().WithCloseOnContextDone(!request.NoDeadlineChecks),
	}
	compiled, err := extism.NewCompiledPlugin(ctx, manifest, config, nil)
	if err != nil {
		why := fmt.Sprintf("the Extism Go SDK does not load the module (%v); rebuild it for wasm32", err)
		return nil, refusal{"rejected", why}
	}
	ops := map[string]bool{}
	for _, op := range request.Ops {
		ops[op] = true
	}
	return &extismArtifact{compiled, ops, request.MemoryBytes, request.MaxOutputBytes}, nil
}

// codeOf is the wire index of a plugin error code (contract_gen.go errorCodes).
func codeOf(name string) byte {
	for i, code := range errorCodes {
		if code == name {
			return byte(i)
		}
	}
	panic("unknown error code " + name)
}

var (
	codeInvalidInput  = codeOf("invalid-input")
	codeUnsupportedOp = codeOf("unsupported-op")
	codeInternal      = codeOf("internal")
)

// instantiate returns an instance whose plugin is made by `init`, which carries the config.
func (a *extismArtifact) instantiate() (instance, error) { return &extismInstance{artifact: a}, nil }

// close frees the compiled plugin and its runtime.
func (a *extismArtifact) close() { a.compiled.Close(context.Background()) }

type extismInstance struct {
	artifact *extismArtifact
	plugin   *extism.Plugin
	// memories are the linear memories of this instance (the plugin's and the kernel's).
	memories []*reservedMemory
	poisoned string
}

// allocator backs this instance's memories like the contract's (wasm_memory.go) and keeps
// them, so their size can be read: the SDK does not expose the plugin's memory.
func (e *extismInstance) allocator() experimental.MemoryAllocator {
	return experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
		memory := mmapAllocator(capacity, max).(*reservedMemory)
		e.memories = append(e.memories, memory)
		return memory
	})
}

// extismConfig turns the harness's JSON config object into Extism's map of strings: values
// that are not strings become their JSON text (harness/abi/extism.ts extismConfig).
func extismConfig(config []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(config, &raw); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for key, value := range raw {
		var text string
		if json.Unmarshal(value, &text) == nil {
			out[key] = text
		} else {
			var compact bytes.Buffer
			json.Compact(&compact, value) // as JSON.stringify writes it
			out[key] = compact.String()
		}
	}
	return out, nil
}

func (e *extismInstance) init(config []byte) outcome {
	values, err := extismConfig(config)
	if err != nil {
		message := fmt.Sprintf("the config is not a JSON object (%v); Extism config is a map of names to strings", err)
		return outcome{kind: kindPlugin, code: codeInvalidInput, message: message}
	}
	ctx := experimental.WithMemoryAllocator(context.Background(), e.allocator())
	plugin, err := e.artifact.compiled.Instance(ctx, extism.PluginInstanceConfig{})
	if err != nil {
		return failure(kindProtocol, "the Extism Go SDK cannot instantiate the plugin: %v", err)
	}
	plugin.Config = values
	plugin.SetLogger(func(extism.LogLevel, string) {})
	e.plugin = plugin
	return ok(nil)
}

// The errors the SDK returns for a trap start with wazero's prefix, a kernel function that
// refused (a Go panic) ends with wazero's mark; an `error_set` message comes back as it is.
const (
	wazeroTrapPrefix    = "wasm error: "
	hostFunctionRefused = " (recovered by wazero)"
	defaultMaxVarBytes  = 1 << 20
)

func (e *extismInstance) call(op, input []byte, deadline time.Duration) (result outcome) {
	if e.poisoned != "" {
		fatal("instance called after it was %s", e.poisoned)
	}
	name := string(op)
	if !e.artifact.ops[name] {
		return outcome{kind: kindPlugin, code: codeUnsupportedOp, message: fmt.Sprintf("no op `%s` in plugin.json", name)}
	}
	ctx := context.Background()
	if deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	defer func() {
		if result.kind.poisons() {
			e.poisoned = "poisoned by a " + result.kind.String()
		}
	}()
	started := time.Now()
	rc, output, err := e.plugin.CallWithContext(ctx, name, input)
	switch {
	case stoppedAtDeadline(err):
		return deadlineFailure(deadline, time.Since(started))
	case err != nil && strings.HasPrefix(err.Error(), wazeroTrapPrefix):
		return e.classifyTrap(err)
	case err != nil && strings.Contains(err.Error(), hostFunctionRefused+"\n"):
		message, _, _ := strings.Cut(err.Error(), hostFunctionRefused)
		return failure(kindProtocol, "the Extism SDK refused what the plugin did: %s", message)
	case err != nil:
		// `error_set`: the plugin's own error, its message verbatim.
		return outcome{kind: kindPlugin, code: codeInternal, message: err.Error()}
	case rc != 0:
		message := fmt.Sprintf("`%s` returned %d without setting an error", name, rc)
		return outcome{kind: kindPlugin, code: codeInternal, message: message}
	case len(output) > e.artifact.maxOutput:
		return failure(kindProtocol, "the output is %d bytes, past the output limit of %d", len(output), e.artifact.maxOutput)
	}
	return ok(output)
}

// classifyTrap reads a trap as contract v1's are read (wasm.go classify): a memory near the
// quota means the allocation failed.
func (e *extismInstance) classifyTrap(err error) outcome {
	message, _, _ := strings.Cut(err.Error(), "\n")
	if strings.Contains(message, "stack overflow") {
		return failure(kindTrap, "stack overflow (%s)", message)
	}
	for _, memory := range e.memories {
		if float64(memory.committed) >= float64(e.artifact.quota)*exhaustedMemoryShare {
			return quotaFailure(message, int64(memory.committed), e.artifact.quota)
		}
	}
	return failure(kindTrap, "%s", message)
}

func (e *extismInstance) shutdown() {}

// memoryBytes is the linear memory of the plugin and its kernel; the high-water mark of each.
func (e *extismInstance) memoryBytes() int64 {
	total := int64(0)
	for _, memory := range e.memories {
		total += int64(memory.committed)
	}
	return total
}

func (e *extismInstance) close() {
	if e.poisoned == "" {
		e.poisoned = "closed"
	}
	if e.plugin != nil {
		e.plugin.Close(context.Background())
	}
}
