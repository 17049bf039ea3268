// plugbench-go-host loads one plugin the way a Go service would — a core module through
// wazero, a shared library through cgo — and serves the harness in frames: loading and
// negotiation steps, single calls, batches, loads run here, memory samples. Another open
// replaces the plugin with another one in the same process (the harness's `reload`); a hold
// request moves requests to a second plugin held beside the first (`compare`'s other side). The
// frames travel on fd 3; stdout is the plugin's to scribble on, stderr is kept for crash reports.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// The host's own heap is a few MiB, so at the default GOGC of 100 the runtime collects several
// times a second while outputs and deltas are allocated, and each collection shows in an open
// loop's tail; a service with a working heap collects far less often. GOGC in the environment
// still wins.
const defaultGCPercent = 400

// harnessFd is the socket the harness speaks frames on (its stdio[3]).
const harnessFd = 3

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	// Frames go over fd 3, not stdio: a native plugin that prints to stdout must not corrupt them.
	channel := os.NewFile(harnessFd, "harness")
	in := bufio.NewReaderSize(channel, 1<<16)
	w := &writer{out: bufio.NewWriterSize(channel, 1<<16)}
	wasmMemoryBytes.Store(-1)
	s := &server{w: w}
	s.at = &s.held[0]
	requests := make(chan frame, 16)
	// Memory samples and stops are answered at once, even while a load runs.
	go func() {
		for {
			request, err := readFrame(in)
			if err == io.EOF {
				os.Exit(0) // the harness went away
			}
			if err != nil {
				fatal("bad frame from the harness: %v", err)
			}
			switch request.kind {
			case reqMemory:
				w.sendJSON(repMemory, request.id, sampleMemory())
			case reqStop:
				s.stopLoad.Store(true)
			default:
				requests <- request
			}
		}
	}()
	for request := range requests {
		s.handle(request)
	}
}

// maxHeld is how many plugins a host holds at once: one, or two for `compare`, which runs
// base and head in one process so that what differs between two processes cannot differ
// between its sides.
const maxHeld = 2

type server struct {
	w    *writer
	held [maxHeld]heldPlugin
	// at is the held plugin that requests address (reqHold moves it).
	at       *heldPlugin
	stopLoad atomic.Bool
}

// heldPlugin is one plugin the host holds: its artifact, then its first instance, then (after
// `init`) the plugin its calls and loads run on.
type heldPlugin struct {
	artifact artifact
	// The first instance, between load and `init` (a describer for contract v1).
	first  instance
	plugin *plugin
	// siblings are further instances for a load's extra callers, kept for later loads as a
	// service keeps its pool.
	siblings []*plugin
}

// instances is the plugin and at least n-1 siblings, one per caller.
func (h *heldPlugin) instances(n int) []*plugin {
	if _, native := h.loaded().current.(*nativeInstance); native && n > 1 {
		fatal("a native plugin is one library per process: run %d Go hosts, not %d callers in one", n, n)
	}
	for 1+len(h.siblings) < n {
		sibling, err := h.plugin.sibling()
		if err != nil {
			fatal("cannot start instance %d of %d for the load's callers: %v", 2+len(h.siblings), n, err)
		}
		h.siblings = append(h.siblings, sibling)
	}
	return h.pool()
}

// pool is every live instance: the plugin and its siblings (none before `init`).
func (h *heldPlugin) pool() []*plugin {
	if h.plugin == nil {
		return nil
	}
	return append([]*plugin{h.plugin}, h.siblings...)
}

// memoryBytes is the linear memory of every live instance of every held plugin (-1 for
// native). Runs after every call, so it does not allocate. A load publishes only its own
// plugin's (storeMemory): two are held only by `compare`, which samples no memory.
func (s *server) memoryBytes() int64 {
	total, wasm := int64(0), false
	for i := range s.held {
		for _, p := range s.held[i].pool() {
			if bytes := p.current.memoryBytes(); bytes >= 0 {
				total, wasm = total+bytes, true
			}
		}
	}
	if !wasm {
		return -1
	}
	return total
}

type openedReply struct {
	// Native: `plugbench_abi()`, for the harness to check before `describe` runs.
	Abi *uint32 `json:"abi,omitempty"`
	// Wasm: imports and exports, for the harness to check before instantiation.
	Imports     []importDesc `json:"imports,omitempty"`
	Exports     []string     `json:"exports,omitempty"`
	MemoryLimit string       `json:"memoryLimit,omitempty"`
}

func (s *server) refuse(id uint32, err error) {
	r, isRefusal := err.(refusal)
	if !isRefusal {
		r = refusal{"protocol", err.Error()}
	}
	s.w.sendJSON(repRefused, id, r)
}

func (s *server) handle(request frame) {
	switch request.kind {
	case reqOpen:
		s.handleOpen(request)
	case reqDescribe:
		s.describe(request)
	case reqInit:
		s.init(request)
	case reqCall:
		s.call(request)
	case reqBatch:
		s.batch(request)
	case reqLoad:
		s.load(request)
	case reqPaired:
		s.paired(request)
	case reqClose:
		s.close(request)
	case reqHold:
		if len(request.payload) != 1 || int(request.payload[0]) >= maxHeld {
			fatal("a hold request names plugin %v of %d", request.payload, maxHeld)
		}
		s.at = &s.held[request.payload[0]]
	default:
		fatal("unknown request type %d", request.kind)
	}
}

func (s *server) handleOpen(request frame) {
	var open openRequest
	if err := json.Unmarshal(request.payload, &open); err != nil {
		fatal("bad open request: %v", err)
	}
	// An open after the first is a reload: the plugin loaded so far goes first.
	s.at.unload()
	wasmMemoryBytes.Store(s.memoryBytes())
	reply, err := s.at.open(open)
	if err != nil {
		s.refuse(request.id, err)
		return
	}
	s.w.sendJSON(repOpened, request.id, reply)
}

// instantiateFirst makes the first instance unless there is one; false when it was refused (and said so).
func (s *server) instantiateFirst(id uint32) bool {
	if s.at.first != nil {
		return true
	}
	created, err := s.at.artifact.instantiate()
	if err != nil {
		s.refuse(id, err)
		return false
	}
	s.at.first = created
	return true
}

func (s *server) describe(request frame) {
	if !s.instantiateFirst(request.id) {
		return
	}
	manifest, err := s.at.first.(describer).describeManifest()
	if err != nil {
		s.refuse(request.id, err)
		return
	}
	s.w.send(repDescribed, request.id, []byte(manifest))
}

func (s *server) init(request frame) {
	// An Extism plugin has no `describe`: its first instance is made here.
	if !s.instantiateFirst(request.id) {
		return
	}
	h := s.at
	result := h.first.init(request.payload)
	if result.kind == kindOK {
		h.plugin = &plugin{artifact: h.artifact, current: h.first, config: request.payload}
		wasmMemoryBytes.Store(s.memoryBytes())
	}
	s.sendOutcome(request.id, result, 0, -1)
}

// loaded is the plugin that `init` made, which calls and loads run on.
func (h *heldPlugin) loaded() *plugin {
	if h.plugin == nil {
		fatal("a call arrived with no plugin loaded (the last open or `init` was refused)")
	}
	return h.plugin
}

func (s *server) call(request frame) {
	if len(request.payload) < 4 {
		fatal("call request of %d bytes", len(request.payload))
	}
	deadline := time.Duration(binary.LittleEndian.Uint32(request.payload[0:4])) * time.Millisecond
	op, input, err := splitOpInput(request.payload[4:])
	if err != nil {
		fatal("bad call request: %v", err)
	}
	start := now()
	result, recycleNs := s.at.loaded().call(op, input, deadline)
	innerNs := now() - start
	if recycleNs >= 0 {
		innerNs -= recycleNs
	}
	wasmMemoryBytes.Store(s.memoryBytes())
	s.sendOutcome(request.id, result, innerNs, recycleNs)
}

func (s *server) load(request frame) {
	load, inputs, err := parseLoad(request.payload)
	if err != nil {
		fatal("bad load request: %v", err)
	}
	s.stopLoad.Store(false)
	send := func(d loadDelta) { s.w.sendJSON(repLoadTick, request.id, d) }
	runLoad(s.at.instances(max(load.Callers, 1)), load, inputs, &s.stopLoad, send)
	wasmMemoryBytes.Store(s.memoryBytes())
}

func (s *server) close(request frame) {
	for i := range s.held {
		s.held[i].unload()
	}
	s.w.send(repClosed, request.id)
	os.Exit(0)
}

// unload shuts down and closes every instance, then the artifact, and forgets them: this
// held plugin is as it was before its first open.
func (h *heldPlugin) unload() {
	if h.plugin != nil {
		for _, p := range h.pool() {
			p.current.shutdown()
			p.current.close()
		}
	} else if h.first != nil {
		// Loaded but never initialised (refused at negotiation or `init`): nothing to shut down.
		h.first.close()
	}
	if h.artifact != nil {
		h.artifact.close()
	}
	*h = heldPlugin{}
}

func (h *heldPlugin) open(request openRequest) (openedReply, error) {
	bytes, err := readVerified(request)
	if err != nil {
		return openedReply{}, err
	}
	if request.Abi == "extism" {
		extismPlugin, err := openExtism(bytes, request)
		if err != nil {
			return openedReply{}, err
		}
		h.artifact = extismPlugin
		return openedReply{}, nil
	}
	switch request.Boundary {
	case "wasm-core":
		wasm, imports, exports, err := openWasm(bytes, request)
		if err != nil {
			return openedReply{}, err
		}
		h.artifact = wasm
		return openedReply{Imports: imports, Exports: exports}, nil
	case "native":
		crashWithSignal()
		reply := openedReply{}
		if request.LimitNativeMemory {
			limit, err := limitDataSegment(request.MemoryBytes)
			if err != nil {
				fatal("cannot set RLIMIT_DATA: %v", err)
			}
			reply.MemoryLimit = limit
		}
		native := &nativeArtifact{bytes: bytes, maxOutput: request.MaxOutputBytes}
		first, err := native.open()
		if err != nil {
			return openedReply{}, err
		}
		abi := first.abi()
		h.artifact, h.first, reply.Abi = native, first, &abi
		return reply, nil
	default:
		why := "the Go host loads the boundaries `wasm-core` (wazero) and `native` (cgo), not `" + request.Boundary + "`"
		return openedReply{}, refusal{"incompatible", why}
	}
}

func (s *server) sendOutcome(id uint32, result outcome, innerNs, recycleNs int64) {
	var header [18]byte
	header[0] = byte(result.kind)
	header[1] = result.code
	binary.LittleEndian.PutUint64(header[2:10], uint64(innerNs))
	binary.LittleEndian.PutUint64(header[10:18], uint64(recycleNs))
	body := result.output
	if result.kind != kindOK {
		body = []byte(result.message)
	}
	s.w.send(repOutcome, id, header[:], body)
}

// batch runs `count` calls of one op, each timed here; a poisoning failure ends it early.
func (s *server) batch(request frame) {
	if len(request.payload) < 4 {
		fatal("batch request of %d bytes", len(request.payload))
	}
	count := int(binary.LittleEndian.Uint32(request.payload[0:4]))
	op, input, err := splitOpInput(request.payload[4:])
	if err != nil {
		fatal("bad batch request: %v", err)
	}
	times := make([]byte, 0, 8*count)
	failures := []sample{}
	recycleNs := int64(-1)
	for done := 0; done < count; done++ {
		start := now()
		result, recycled := s.at.loaded().call(op, input, 0)
		elapsed := now() - start
		if recycled >= 0 {
			elapsed -= recycled
			recycleNs = recycled
		}
		times = binary.LittleEndian.AppendUint64(times, uint64(elapsed))
		if result.kind != kindOK && len(failures) < batchFailuresKept {
			failures = append(failures, result.sample())
		}
		if recycled >= 0 {
			break
		}
	}
	wasmMemoryBytes.Store(s.memoryBytes())
	failuresJSON, _ := json.Marshal(failures)
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(times)/8))
	s.w.send(repBatched, request.id, n[:], times, u64le(uint64(recycleNs)), failuresJSON)
}

// paired runs the request's calls on each of the two held plugins, alternating call by call,
// each call timed here: both plugins meet the machine as it is at that moment, where blocks of
// a few ms taken in turn met a machine whose speed moved by 15 % and more between two of them
// (a shared vCPU). The order goes ABBA, so each plugin follows itself as often as the other. A
// failed call is timed like any other and kept among its plugin's failures; one that poisons
// its instance ends the pairs after the last whole pair.
func (s *server) paired(request frame) {
	load, inputs, err := parseLoad(request.payload)
	if err != nil || load.Calls <= 0 {
		fatal("bad paired request (%v): it needs calls", err)
	}
	plugins := [maxHeld]*plugin{s.held[0].loaded(), s.held[1].loaded()}
	op := []byte(load.Op)
	var times [maxHeld][]byte
	for i := range times {
		times[i] = make([]byte, 0, 8*load.Calls)
	}
	failures := [maxHeld][]sample{{}, {}}
	poisoned := false
	for n := int64(0); n < load.Calls && !poisoned; n++ {
		input := inputs[n%int64(len(inputs))]
		var elapsed [maxHeld]int64
		for k := 0; k < maxHeld && !poisoned; k++ {
			which := k ^ int(n&1)
			start := now()
			// A poisoning failure recycles the instance inside `call`.
			result, _ := plugins[which].call(op, input, 0)
			elapsed[which] = now() - start
			poisoned = result.kind.poisons()
			if result.kind != kindOK && len(failures[which]) < batchFailuresKept {
				failures[which] = append(failures[which], result.sample())
			}
		}
		if !poisoned {
			for i := range times {
				times[i] = binary.LittleEndian.AppendUint64(times[i], uint64(elapsed[i]))
			}
		}
	}
	wasmMemoryBytes.Store(s.memoryBytes())
	failuresJSON, _ := json.Marshal(failures)
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(times[0])/8))
	s.w.send(repPaired, request.id, n[:], times[0], times[1], failuresJSON)
}
