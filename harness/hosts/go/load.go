package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// loadRequest is a load model run here, next to the plugin, as a Go service would call it:
// no crossing back to the harness per call.
type loadRequest struct {
	Op           string `json:"op"`
	InputLengths []int  `json:"inputLengths"`
	// "closed": one caller, each call waits for the previous; "open": calls due at RatePerSec.
	Model      string  `json:"model"`
	RatePerSec float64 `json:"ratePerSec,omitempty"`
	// The bound: a duration or a number of calls.
	DurationMs float64 `json:"durationMs,omitempty"`
	Calls      int64   `json:"calls,omitempty"`
	DeadlineMs float64 `json:"deadlineMs,omitempty"`
	// How often a delta goes back to the harness, in ms and in calls. @default tickMs, by time only
	TickEveryMs    float64 `json:"tickEveryMs,omitempty"`
	TickEveryCalls int64   `json:"tickEveryCalls,omitempty"`
	// Closed loop: goroutines calling at once, each with an instance of its own (wasm). @default 1
	Callers int `json:"callers,omitempty"`
	// PerCall times every call on its own without calibrating: a load that goes on in a new host
	// after its last one died, maybe of the calibration's own calls.
	PerCall bool `json:"perCall,omitempty"`
}

// perCallMinReads, batchMinReads, maxBatch (clock reads) and sleepAboveNs come from contract_gen.go.

func now() int64 { return int64(time.Since(processStart)) }

func parseLoad(payload []byte) (loadRequest, [][]byte, error) {
	var request loadRequest
	if len(payload) < 4 {
		return request, nil, fmt.Errorf("load request of %d bytes", len(payload))
	}
	n := int(binary.LittleEndian.Uint32(payload[0:4]))
	if len(payload) < 4+n {
		return request, nil, fmt.Errorf("load header of %d bytes in %d", n, len(payload))
	}
	if err := json.Unmarshal(payload[4:4+n], &request); err != nil {
		return request, nil, err
	}
	rest := payload[4+n:]
	inputs := make([][]byte, 0, len(request.InputLengths))
	for _, length := range request.InputLengths {
		if length > len(rest) {
			return request, nil, fmt.Errorf("inputs are shorter than their lengths")
		}
		inputs = append(inputs, rest[:length])
		rest = rest[length:]
	}
	if len(inputs) == 0 {
		return request, nil, fmt.Errorf("a load needs at least one input")
	}
	if (request.DurationMs > 0) == (request.Calls > 0) {
		return request, nil, fmt.Errorf("a load needs exactly one of durationMs and calls")
	}
	if request.Callers > 1 && request.Model == "open" {
		return request, nil, fmt.Errorf("an open loop has one caller, not %d", request.Callers)
	}
	return request, inputs, nil
}

// loadRun is one caller of a load: it drives its instance and sends its deltas.
type loadRun struct {
	request  loadRequest
	inputs   [][]byte
	op       []byte
	plugin   *plugin
	deadline time.Duration
	rec      *recording
	stop     *atomic.Bool
	// calls is this caller's share of a call bound.
	calls int64
	// memory is this caller's instance's linear memory, one of memories (every caller's).
	memory   *atomic.Int64
	memories []atomic.Int64
	// Native calls under a deadline are watched: callStart is when the call under way started
	// (0 between calls), or -1 once the watchdog has declared it stuck.
	watched   bool
	callStart atomic.Int64
	next      int
	issued    int64
	t0        int64
	nextTick  int64
	tickNs    int64
	// Ticks by calls too, so a short load still sends a memory curve: this caller's share of
	// them (0: by time only).
	nextTickCalls int64
	tickCalls     int64
}

// runLoad runs a load with the request's callers, each calling an instance of its own from `plugins`.
func runLoad(plugins []*plugin, request loadRequest, inputs [][]byte, stop *atomic.Bool, send func(loadDelta)) {
	everyMs := request.TickEveryMs
	if everyMs <= 0 {
		everyMs = tickMs
	}
	callers := max(request.Callers, 1)
	tickCalls := int64(0)
	if request.TickEveryCalls > 0 {
		tickCalls = max(1, request.TickEveryCalls/int64(callers))
	}
	_, native := plugins[0].current.(*nativeInstance)
	final := &lastFinal{left: callers, send: send}
	// Every live instance has a slot, so memory samples add up the whole pool.
	memories := make([]atomic.Int64, len(plugins))
	for i, pl := range plugins {
		memories[i].Store(pl.current.memoryBytes())
	}
	runs := make([]*loadRun, callers)
	for i, pl := range plugins[:callers] {
		runs[i] = &loadRun{
			request: request, inputs: inputs, op: []byte(request.Op), plugin: pl, next: i % len(inputs),
			deadline: time.Duration(request.DeadlineMs * float64(time.Millisecond)),
			rec:      newRecording(request.Model == "open", final.pass), stop: stop,
			tickNs: int64(everyMs * 1e6), tickCalls: tickCalls,
			calls: share(request.Calls, callers, i), memory: &memories[i], memories: memories,
			watched: native && request.DeadlineMs > 0,
		}
	}
	mode := timing{Mode: "per-call"}
	batch := 1
	if request.Model != "open" && request.DeadlineMs == 0 && !request.PerCall {
		if batch = runs[0].batchSize(); batch > 1 {
			mode = timing{Mode: "batched", Size: batch}
		}
	}
	var callersDone sync.WaitGroup
	for _, l := range runs {
		callersDone.Add(1)
		go func() {
			defer callersDone.Done()
			l.run(batch, mode)
		}()
	}
	callersDone.Wait()
}

// share is caller i's part of a call bound (0: a duration bound), the remainder to the first.
func share(calls int64, callers, i int) int64 {
	part := calls / int64(callers)
	if int64(i) < calls%int64(callers) {
		part++
	}
	return part
}

func (l *loadRun) run(batch int, mode timing) {
	if l.watched {
		done := make(chan struct{})
		defer close(done)
		go l.watch(done)
	}
	// The bound starts after calibration: it is not part of the load.
	l.t0 = now()
	l.nextTick = l.t0 + l.tickNs
	l.nextTickCalls = l.tickCalls
	if l.request.Model == "open" {
		l.open()
	} else {
		l.closed(batch)
	}
	l.storeMemory()
	l.rec.finish(ending{elapsedNs: now() - l.t0, timing: &mode})
}

// lastFinal passes every caller's deltas on, but only the last caller's final delta ends the
// load (the harness stops listening at a final delta), with the longest caller's length.
type lastFinal struct {
	mu        sync.Mutex
	left      int
	elapsedNs int64
	send      func(loadDelta)
}

func (f *lastFinal) pass(d loadDelta) {
	if !d.Final {
		f.send(d)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left--
	f.elapsedNs = max(f.elapsedNs, d.ElapsedNs)
	if f.left > 0 && !d.Stuck {
		d.Final, d.ElapsedNs, d.Timing = false, 0, nil
	} else {
		d.ElapsedNs = f.elapsedNs
	}
	f.send(d)
}

func (l *loadRun) input() []byte {
	input := l.inputs[l.next]
	l.next = (l.next + 1) % len(l.inputs)
	return input
}

func (l *loadRun) done(elapsedNs int64) bool {
	if l.stop.Load() {
		return true
	}
	if l.request.Calls > 0 {
		return l.issued >= l.calls
	}
	return float64(elapsedNs) >= l.request.DurationMs*1e6
}

func (l *loadRun) tick() {
	if t := now(); t >= l.nextTick || (l.tickCalls > 0 && l.issued >= l.nextTickCalls) {
		l.storeMemory()
		// A tick the encoder had no room for is due again at the next batch, not dropped.
		if l.rec.tick() {
			l.nextTick = t + l.tickNs
			l.nextTickCalls = l.issued + l.tickCalls
		}
	}
}

// storeMemory publishes this caller's linear memory, for the memory sample a delta carries.
func (l *loadRun) storeMemory() {
	l.memory.Store(l.plugin.current.memoryBytes())
	wasmMemoryBytes.Store(sum(l.memories))
}

// call runs one call and records its outcome; under a native deadline the watchdog may
// declare it stuck, and then this goroutine must never touch the recording again.
func (l *loadRun) call(input []byte) {
	if !l.watched {
		l.rec.outcome(l.plugin.call(l.op, input, l.deadline))
		return
	}
	start := now()
	l.callStart.Store(start)
	result, recycleNs := l.plugin.call(l.op, input, l.deadline)
	if !l.callStart.CompareAndSwap(start, 0) {
		select {} // the supervisor kills this process
	}
	l.rec.outcome(result, recycleNs)
}

// watch stops a load whose native call outlived its deadline: nothing can stop the call, so
// the last delta says `stuck` and the supervisor kills this process.
func (l *loadRun) watch(done <-chan struct{}) {
	every := l.deadline / 20
	if every < time.Millisecond {
		every = time.Millisecond
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			return
		case <-ticker.C:
			start := l.callStart.Load()
			if start <= 0 || time.Duration(now()-start) < l.deadline || !l.callStart.CompareAndSwap(start, -1) {
				continue
			}
			l.rec.outcome(failure(kindTimeout, "the call outlived its deadline of %d ms and was still running after "+
				"%.1f ms; native code cannot be stopped, so its process is killed",
				l.deadline.Milliseconds(), float64(now()-start)/1e6), -1)
			recordNs(l.rec.latency, now()-start)
			l.rec.finish(ending{elapsedNs: now() - l.t0, stuck: true})
			return
		}
	}
}

// calibrate picks per-call or batched timing like harness/measure/clock.ts: a call shorter
// than perCallMinReads clock reads is timed in batches lasting at least batchMinReads reads.
// Its calls are real ones, for at most calibrationBudgetNs as in harness/load/calibration.ts:
// without a budget, 201 calls of an op that keeps 4 MiB each ran a native host out of its
// quota before the load began, in every replacement host, and the load never counted a call.
func (l *loadRun) calibrate() int {
	start := now()
	for i := 0; i < clockCalibrationReads; i++ {
		now()
	}
	readNs := float64(now()-start) / clockCalibrationReads
	times := make([]int64, 0, calibrationCalls)
	for started := now(); len(times) < calibrationCalls && (len(times) == 0 || now()-started < calibrationBudgetNs); {
		input := l.input()
		t := now()
		result, _ := l.plugin.call(l.op, input, l.deadline)
		times = append(times, now()-t)
		if result.kind.poisons() {
			return 1
		}
	}
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	callNs := float64(times[len(times)/2])
	if callNs >= perCallMinReads*readNs {
		return 1
	}
	size := int(batchMinReads*readNs/max(callNs, 1)) + 1
	return min(size, maxBatch)
}

// batchSizes remembers calibrations by op and first input size: a load of a few ms (an A/B
// block) must not spend them calibrating again.
var batchSizes = map[string]int{}

func (l *loadRun) batchSize() int {
	key := fmt.Sprintf("%s|%d", l.request.Op, len(l.inputs[0]))
	batch, known := batchSizes[key]
	if !known {
		batch = l.calibrate()
		batchSizes[key] = batch
	}
	return batch
}

// closed is one caller waiting for each answer; latency runs from each call's actual start.
func (l *loadRun) closed(batch int) {
	for !l.done(now() - l.t0) {
		l.tick()
		input := l.input()
		n := int64(batch)
		if l.request.Calls > 0 {
			n = min(n, l.calls-l.issued)
		}
		// A batch ends where a tick by calls is due, so a short run gets the memory samples it asked for.
		if l.tickCalls > 0 {
			n = max(1, min(n, l.nextTickCalls-l.issued))
		}
		l.issued += n
		start := now()
		for i := int64(0); i < n; i++ {
			l.call(input)
		}
		elapsed := now() - start
		if n == 1 {
			recordNs(l.rec.latency, elapsed)
		} else {
			l.rec.latency.RecordValues(max(1, elapsed/n), n)
		}
	}
}

// open is a constant arrival rate, wrk2-style: call i is due at t0 + i/rate and its latency
// runs from then (coordinated omission corrected); the uncorrected latency is kept beside it.
func (l *loadRun) open() {
	intervalNs := 1e9 / l.request.RatePerSec
	for {
		intended := l.t0 + int64(float64(l.issued)*intervalNs)
		if l.done(intended - l.t0) {
			return
		}
		l.tick()
		if t := now(); t < intended {
			if intended-t > sleepAboveNs {
				time.Sleep(time.Duration(intended - t - sleepAboveNs/2))
			} else {
				for now() < intended {
				}
			}
			continue
		}
		l.issued++
		start := now()
		recordNs(l.rec.jitter, start-intended)
		if float64(start-intended) >= intervalNs {
			l.rec.late++
		}
		l.call(l.input())
		end := now()
		recordNs(l.rec.latency, end-intended)
		recordNs(l.rec.uncorrected, end-start)
	}
}

// sum is the callers' linear memory together (-1 for native: one caller).
func sum(memories []atomic.Int64) int64 {
	total := int64(0)
	for i := range memories {
		total += memories[i].Load()
	}
	return total
}
