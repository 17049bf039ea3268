package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"
)

// importDesc is one import of the module, as WebAssembly.Module.imports describes it.
type importDesc struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
}

// wasmArtifact is a core module compiled by wazero, with the host functions of the contract.
// The runtime stops a call when its context is done (WithCloseOnContextDone), so a deadline
// really stops wasm; memory may grow to the quota and no further (WithMemoryLimitPages).
// The termination checks exit to Go at every loop header, which costs several times the
// call on loop-heavy ops; NoDeadlineChecks leaves them out to measure that cost.
type wasmArtifact struct {
	runtime   wazero.Runtime
	compiled  wazero.CompiledModule
	quota     int64
	maxOutput int
}

// instanceKey finds, in a call's context, the instance the call entered: host functions
// report to it, since a load may run several instances at once, one per goroutine.
type instanceKey struct{}

// reportPanic is the host's `panicked`: the message is kept by the instance it came from.
func reportPanic(ctx context.Context, m api.Module, ptr, length uint32) {
	if w, ok := ctx.Value(instanceKey{}).(*wasmInstance); ok {
		w.panicked = text(m, ptr, length)
	}
}

func text(m api.Module, ptr, length uint32) string {
	bytes, ok := m.Memory().Read(ptr, length)
	if !ok {
		return fmt.Sprintf("<string out of bounds at %d+%d>", ptr, length)
	}
	if !utf8.Valid(bytes) {
		return strings.ToValidUTF8(string(bytes), "\uFFFD")
	}
	return string(bytes)
}

func openWasm(bytes []byte, request openRequest) (*wasmArtifact, []importDesc, []string, error) {
	ctx := context.Background()
	pages := min(request.MemoryBytes/wasmPageBytes, maxWasm32Pages)
	config := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(!request.NoDeadlineChecks).
		WithMemoryLimitPages(uint32(pages))
	runtime := wazero.NewRuntimeWithConfig(ctx, config)
	compiled, err := runtime.CompileModule(ctx, bytes)
	if err != nil {
		runtime.Close(ctx)
		if strings.Contains(err.Error(), "over limit") {
			why := fmt.Sprintf("the module's initial memory is more than the memory quota of %d bytes (%v); "+
				"raise the quota with `--memory-quota`", request.MemoryBytes, err)
			return nil, nil, nil, refusal{"incompatible", why}
		}
		why := fmt.Sprintf("the core module does not compile (%v); rebuild it for wasm32-unknown-unknown", err)
		return nil, nil, nil, refusal{"rejected", why}
	}
	var imports []importDesc
	for _, f := range compiled.ImportedFunctions() {
		module, name, _ := f.Import()
		imports = append(imports, importDesc{module, name, "function"})
	}
	for _, m := range compiled.ImportedMemories() {
		module, name, _ := m.Import()
		imports = append(imports, importDesc{module, name, "memory"})
	}
	var exports []string
	for name := range compiled.ExportedFunctions() {
		exports = append(exports, name)
	}
	for name := range compiled.ExportedMemories() {
		exports = append(exports, name)
	}
	_, err = runtime.NewHostModuleBuilder(hostImportModule).
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, level, ptr, length uint32) {}).Export("log").
		NewFunctionBuilder().WithFunc(reportPanic).Export("panicked").
		NewFunctionBuilder().WithFunc(func() uint64 { return uint64(now()) }).Export("now-ns").
		Instantiate(ctx)
	if err != nil {
		fatal("cannot instantiate the host functions: %v", err)
	}
	return &wasmArtifact{runtime, compiled, request.MemoryBytes, request.MaxOutputBytes}, imports, exports, nil
}

var processStart = time.Now()

func (a *wasmArtifact) instantiate() (instance, error) {
	ctx := experimental.WithMemoryAllocator(context.Background(), mmapAllocator)
	module, err := a.runtime.InstantiateModule(ctx, a.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, refusal{"incompatible", fmt.Sprintf("the core module does not instantiate: %v", err)}
	}
	fn := func(name string) api.Function { return module.ExportedFunction(name) }
	w := &wasmInstance{
		artifact: a, module: module, memory: module.Memory(),
		realloc: fn("cabi_realloc"), describeFn: fn("describe"), postDescribe: fn("cabi_post_describe"),
		initFn: fn("init"), postInit: fn("cabi_post_init"),
		callFn: fn("call"), postCall: fn("cabi_post_call"), shutdownFn: fn("shutdown"),
		stack: make([]uint64, 4),
	}
	w.ctx = context.WithValue(context.Background(), instanceKey{}, w)
	w.callCtx = w.ctx
	return w, nil
}

// close frees the compiled module and the runtime, with any module still in it.
func (a *wasmArtifact) close() { a.runtime.Close(context.Background()) }

type wasmInstance struct {
	artifact *wasmArtifact
	module   api.Module
	memory   api.Memory

	// The contract's exports (harness/engines/wasm-core.ts); postInit may be nil.
	realloc, describeFn, postDescribe, initFn, postInit, callFn, postCall, shutdownFn api.Function

	// stack holds the arguments and the result of every call (CallWithStack: no allocation).
	stack    []uint64
	poisoned string
	// ctx names this instance to the host functions; callCtx adds the deadline of the call under way.
	ctx, callCtx context.Context
	// panicked is what the plugin reported through `panicked` before it trapped.
	panicked string
}

func (w *wasmInstance) describeManifest() (string, error) {
	var json string
	result := w.guard(0, func() outcome {
		retptr := w.invoke(w.describeFn)
		area := w.read(retptr, 8, 8, "the return area")
		what := "the manifest from `describe`"
		ptr, length := binary.LittleEndian.Uint32(area[0:4]), binary.LittleEndian.Uint32(area[4:8])
		decoded, err := decodeUTF8(w.read(ptr, length, w.artifact.maxOutput, what), what)
		if err != nil {
			panic(err)
		}
		json = decoded
		w.invoke(w.postDescribe, uint64(retptr))
		return ok(nil)
	})
	if result.kind != kindOK {
		return "", refusal{"protocol", fmt.Sprintf("`describe` failed (%s): %s", result.kind, result.message)}
	}
	return json, nil
}

func (w *wasmInstance) init(config []byte) outcome {
	return w.guard(0, func() outcome {
		ptr, length := w.lower(config)
		retptr := w.invoke(w.initFn, ptr, length)
		result := w.decodeResult(retptr, false)
		if w.postInit != nil {
			w.invoke(w.postInit, uint64(retptr))
		}
		return result
	})
}

func (w *wasmInstance) call(op, input []byte, deadline time.Duration) outcome {
	return w.guard(deadline, func() outcome {
		opPtr, opLen := w.lower(op)
		inPtr, inLen := w.lower(input)
		retptr := w.invoke(w.callFn, opPtr, opLen, inPtr, inLen)
		result := w.decodeResult(retptr, true)
		w.invoke(w.postCall, uint64(retptr))
		return result
	})
}

func (w *wasmInstance) shutdown() {
	if w.poisoned == "" {
		w.guard(0, func() outcome { w.invoke(w.shutdownFn); return ok(nil) })
	}
}

func (w *wasmInstance) memoryBytes() int64 { return int64(w.memory.Size()) }

func (w *wasmInstance) close() {
	if w.poisoned == "" {
		w.poisoned = "closed"
	}
	w.module.Close(context.Background())
}

// wasmError is an error a call into the module returned: a trap, a stop, or a stack overflow.
type wasmError struct{ err error }

// invoke calls an export with i32 arguments and returns its i32 result; a trap or a stop
// unwinds to guard as a wasmError.
func (w *wasmInstance) invoke(fn api.Function, args ...uint64) uint32 {
	copy(w.stack, args)
	if err := fn.CallWithStack(w.callCtx, w.stack); err != nil {
		panic(wasmError{err})
	}
	return uint32(w.stack[0])
}

// guard runs one entry into the module and turns what went wrong into a failure: a
// protocol violation, a panic reported through `panicked`, a deadline, memory exhaustion, a
// trap. After a poisoning failure the instance refuses to run again.
func (w *wasmInstance) guard(deadline time.Duration, body func() outcome) (result outcome) {
	if w.poisoned != "" {
		fatal("instance called after it was %s", w.poisoned)
	}
	started := time.Now()
	if deadline > 0 {
		ctx, cancel := context.WithTimeout(w.ctx, deadline)
		w.callCtx = ctx
		defer func() { cancel(); w.callCtx = w.ctx }()
	}
	defer func() {
		recovered := recover()
		switch e := recovered.(type) {
		case nil:
		case protocolViolation:
			result = failure(kindProtocol, "%s", e.message)
		case wasmError:
			result = w.classify(e.err, deadline, time.Since(started))
		default:
			panic(recovered)
		}
		if result.kind.poisons() {
			w.poisoned = "poisoned by a " + result.kind.String()
		}
	}()
	return body()
}

// stoppedAtDeadline says whether wazero ended a call because its context's deadline passed.
func stoppedAtDeadline(err error) bool {
	var exit *sys.ExitError
	return errors.As(err, &exit) &&
		(exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled)
}

// deadlineFailure is the timeout of a call wazero stopped at its deadline, after `elapsed`.
func deadlineFailure(deadline, elapsed time.Duration) outcome {
	return failure(kindTimeout, "the call outlived its deadline of %d ms and was stopped after %.1f ms",
		deadline.Milliseconds(), float64(elapsed.Microseconds())/1000)
}

// quotaFailure is a trap with the linear memory at the quota: an allocation that failed.
func quotaFailure(trap string, memoryBytes, quota int64) outcome {
	return failure(kindResourceExhausted,
		"memory quota: the instance trapped (%s) with %d bytes of linear memory, quota %d", trap, memoryBytes, quota)
}

func (w *wasmInstance) classify(err error, deadline time.Duration, elapsed time.Duration) outcome {
	if message := w.panicked; message != "" {
		w.panicked = ""
		return failure(kindPanic, "%s", message)
	}
	if stoppedAtDeadline(err) {
		return deadlineFailure(deadline, elapsed)
	}
	message, _, _ := strings.Cut(err.Error(), "\n")
	if strings.Contains(message, "stack overflow") {
		return failure(kindTrap, "stack overflow (%s)", message)
	}
	if bytes := w.memoryBytes(); float64(bytes) >= float64(w.artifact.quota)*exhaustedMemoryShare {
		return quotaFailure(message, bytes, w.artifact.quota)
	}
	return failure(kindTrap, "%s", message)
}

// lower copies bytes into memory the plugin allocated; the callee owns them (canonical ABI).
func (w *wasmInstance) lower(bytes []byte) (uint64, uint64) {
	ptr := w.invoke(w.realloc, 0, 0, 1, uint64(len(bytes)))
	if !w.memory.Write(ptr, bytes) {
		panic(violation("`cabi_realloc` returned %d, outside linear memory of %d bytes", ptr, w.memory.Size()))
	}
	return uint64(ptr), uint64(len(bytes))
}

func (w *wasmInstance) read(ptr, length uint32, maxBytes int, what string) []byte {
	return readChecked(w.memory, ptr, length, maxBytes, what)
}

func (w *wasmInstance) decodeResult(retptr uint32, hasOk bool) outcome {
	return decodeResultArea(w.memory, retptr, hasOk, w.artifact.maxOutput)
}
