package main

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeInstance answers every call at once, failing with `failKind` on every `failEvery`-th
// call, or sleeps `sleep` first: the load loops without an engine.
type fakeInstance struct {
	calls     *atomic.Int64
	failEvery int64
	failKind  failureKind
	sleep     time.Duration
}

func (f *fakeInstance) init([]byte) outcome { return ok(nil) }
func (f *fakeInstance) call(_, input []byte, _ time.Duration) outcome {
	n := f.calls.Add(1)
	time.Sleep(f.sleep)
	if f.failEvery > 0 && n%f.failEvery == 0 {
		return failure(f.failKind, "call %d failed", n)
	}
	return ok(input)
}
func (f *fakeInstance) shutdown()          {}
func (f *fakeInstance) memoryBytes() int64 { return 65536 }
func (f *fakeInstance) close()             {}

// fakeArtifact makes fake instances and counts how many it made.
type fakeArtifact struct {
	made     atomic.Int64
	template fakeInstance
}

func (a *fakeArtifact) instantiate() (instance, error) {
	a.made.Add(1)
	next := a.template
	return &next, nil
}

func (a *fakeArtifact) close() {}

func fakePlugins(t *testing.T, a *fakeArtifact, n int) []*plugin {
	t.Helper()
	plugins := make([]*plugin, n)
	for i := range plugins {
		current, _ := a.instantiate()
		plugins[i] = &plugin{artifact: a, current: current}
	}
	return plugins
}

// collect runs a load and returns every delta it sent.
func collect(plugins []*plugin, request loadRequest) []loadDelta {
	var mu sync.Mutex
	var deltas []loadDelta
	var stop atomic.Bool
	runLoad(plugins, request, [][]byte{[]byte("ab"), []byte("cd")}, &stop, func(d loadDelta) {
		mu.Lock()
		defer mu.Unlock()
		deltas = append(deltas, d)
	})
	return deltas
}

type totals struct {
	calls, finals int64
	errors        map[string]int64
	recycles      int
}

func sumDeltas(deltas []loadDelta) totals {
	t := totals{errors: map[string]int64{}}
	for _, d := range deltas {
		t.calls += d.Calls
		if d.Final {
			t.finals++
		}
		for kind, n := range d.Errors {
			t.errors[kind] += n
		}
		t.recycles += len(d.Recycles)
	}
	return t
}

func TestClosedLoopCountsEveryCallOnceAcrossCallers(t *testing.T) {
	calls := &atomic.Int64{}
	a := &fakeArtifact{template: fakeInstance{calls: calls}}
	got := sumDeltas(collect(fakePlugins(t, a, 3), loadRequest{Op: "echo", Model: "closed", Calls: 1000, Callers: 3}))
	if got.calls != 1000 || got.finals != 1 {
		t.Fatalf("%d calls in %d final deltas, want 1000 in 1", got.calls, got.finals)
	}
}

func TestOpenLoopCountsEveryCall(t *testing.T) {
	calls := &atomic.Int64{}
	a := &fakeArtifact{template: fakeInstance{calls: calls}}
	deltas := collect(fakePlugins(t, a, 1), loadRequest{Op: "echo", Model: "open", RatePerSec: 20000, Calls: 400})
	got := sumDeltas(deltas)
	if got.calls != 400 || got.finals != 1 || calls.Load() != 400 {
		t.Fatalf("%d calls recorded, %d made, %d finals; want 400, 400, 1", got.calls, calls.Load(), got.finals)
	}
	if deltas[len(deltas)-1].Uncorrected == "" {
		t.Fatal("an open loop's final delta has no uncorrected histogram")
	}
}

func TestPoisoningFailuresAreCountedAndRecycled(t *testing.T) {
	calls := &atomic.Int64{}
	a := &fakeArtifact{template: fakeInstance{calls: calls, failEvery: 10, failKind: kindPanic}}
	plugins := fakePlugins(t, a, 1)
	got := sumDeltas(collect(plugins, loadRequest{Op: "echo", Model: "open", RatePerSec: 50000, Calls: 200}))
	if got.errors["panic"] != 20 || got.recycles != 20 {
		t.Fatalf("%d panics, %d recycles; want 20 and 20", got.errors["panic"], got.recycles)
	}
	if made := a.made.Load(); made != 21 {
		t.Fatalf("%d instances made, want the first and 20 replacements", made)
	}
}

func TestPluginErrorsDoNotRecycle(t *testing.T) {
	calls := &atomic.Int64{}
	a := &fakeArtifact{template: fakeInstance{calls: calls, failEvery: 4, failKind: kindPlugin}}
	got := sumDeltas(collect(fakePlugins(t, a, 1), loadRequest{Op: "echo", Model: "open", RatePerSec: 50000, Calls: 100}))
	if got.errors["plugin"] != 25 || got.recycles != 0 || a.made.Load() != 1 {
		t.Fatalf("%d plugin errors, %d recycles, %d instances; want 25, 0, 1",
			got.errors["plugin"], got.recycles, a.made.Load())
	}
}

func TestWatchdogDeclaresAStuckCall(t *testing.T) {
	calls := &atomic.Int64{}
	a := &fakeArtifact{template: fakeInstance{calls: calls, sleep: time.Hour}}
	deltas := make(chan loadDelta, 16)
	var stop atomic.Bool
	var memory atomic.Int64
	l := &loadRun{
		request: loadRequest{Op: "slow", Model: "closed", Calls: 1, DeadlineMs: 20}, inputs: [][]byte{nil},
		op: []byte("slow"), plugin: fakePlugins(t, a, 1)[0], deadline: 20 * time.Millisecond,
		rec: newRecording(false, func(d loadDelta) { deltas <- d }), stop: &stop, tickNs: int64(time.Hour),
		calls: 1, memory: &memory, memories: []atomic.Int64{}, watched: true,
	}
	// The stuck call never returns: its goroutine stays blocked, as the host would be killed.
	go l.run(1, timing{Mode: "per-call"})
	select {
	case d := <-deltas:
		if !d.Final || !d.Stuck || d.Errors["timeout"] != 1 {
			t.Fatalf("delta %+v, want a final stuck delta with one timeout", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog did not declare the stuck call within 5 s")
	}
}

func TestShareSplitsACallBoundExactly(t *testing.T) {
	for _, c := range []struct{ calls, callers int64 }{{1000, 3}, {7, 7}, {5, 8}, {0, 4}} {
		total := int64(0)
		for i := 0; i < int(c.callers); i++ {
			total += share(c.calls, int(c.callers), i)
		}
		if total != c.calls {
			t.Errorf("%d calls over %d callers add up to %d", c.calls, c.callers, total)
		}
	}
}
