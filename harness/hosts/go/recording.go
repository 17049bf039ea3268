package main

import (
	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies up to highestTrackableNs at significantDigits, like the harness's own histograms
// (harness/measure/latency.ts), so the encodings merge exactly.
func newHistogram() *hdr.Histogram { return hdr.New(1, highestTrackableNs, significantDigits) }

func recordNs(h *hdr.Histogram, ns int64) {
	if ns < 1 {
		ns = 1
	}
	if ns > highestTrackableNs {
		ns = highestTrackableNs
	}
	h.RecordValue(ns)
}

type recycle struct {
	Cause string  `json:"cause"`
	Ms    float64 `json:"ms"`
}

type timing struct {
	Mode string `json:"mode"`
	Size int    `json:"size,omitempty"`
}

// loadDelta is what a load measured since the previous delta: the harness adds the
// histograms to its own, so a host that dies mid-load loses at most one tick.
type loadDelta struct {
	Final          bool             `json:"final"`
	Calls          int64            `json:"calls"`
	Late           int64            `json:"late"`
	Errors         map[string]int64 `json:"errors"`
	FailureSamples []sample         `json:"failureSamples"`
	Recycles       []recycle        `json:"recycles"`
	// HdrHistogram V2, compressed base64, in ns.
	Latency     string `json:"latency"`
	Uncorrected string `json:"uncorrected,omitempty"`
	Jitter      string `json:"jitter,omitempty"`
	// Final delta only.
	ElapsedNs int64   `json:"elapsedNs,omitempty"`
	Timing    *timing `json:"timing,omitempty"`
	// A call outlived its deadline on a boundary that cannot stop it: the supervisor must kill
	// this process.
	Stuck bool `json:"stuck,omitempty"`
	// This host's memory as the delta left, so the harness pairs it with the calls it counts.
	Memory laneMemory `json:"memory"`
}

// window is what a load measured between two deltas.
type window struct {
	latency, uncorrected, jitter *hdr.Histogram
	calls, late                  int64
	errors                       map[string]int64
	samples                      []sample
	recycles                     []recycle
	// memory is sampled as the window is handed off, on the load's goroutine: sampled later, by
	// the encoder, it would count calls of the next window (about 10 µs, once a tick).
	memory laneMemory
}

func newWindow(openLoop bool) *window {
	w := &window{latency: newHistogram()}
	if openLoop {
		w.uncorrected = newHistogram()
		w.jitter = newHistogram()
	}
	w.clear()
	return w
}

func (w *window) clear() {
	w.calls, w.late, w.errors, w.samples, w.recycles = 0, 0, map[string]int64{}, []sample{}, []recycle{}
	for _, h := range []*hdr.Histogram{w.latency, w.uncorrected, w.jitter} {
		if h != nil {
			h.Reset()
		}
	}
}

func encode(h *hdr.Histogram) string {
	if h == nil {
		return ""
	}
	bytes, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		fatal("cannot encode a histogram: %v", err)
	}
	return string(bytes)
}

func (w *window) delta() loadDelta {
	return loadDelta{
		Calls: w.calls, Late: w.late, Errors: w.errors, FailureSamples: w.samples, Recycles: w.recycles,
		Latency: encode(w.latency), Uncorrected: encode(w.uncorrected), Jitter: encode(w.jitter), Memory: w.memory,
	}
}

// ending is what the last delta of a load adds.
type ending struct {
	elapsedNs int64
	timing    *timing
	stuck     bool
}

type flush struct {
	window *window
	end    *ending
}

// recording fills one window while an encoder goroutine sends the previous one: encoding a
// delta takes about half a millisecond and allocates, which in the load's own goroutine showed
// as a millisecond stall every tick in an open loop's p99.
type recording struct {
	*window
	openLoop bool
	spare    chan *window
	flushes  chan flush
	sent     chan struct{}
	// Samples are kept per kind over the whole load, not per delta.
	sampledPerKind map[failureKind]int
}

// spareWindows is how many ticks may wait for the encoder. Each tick samples memory when it
// comes, so a short run of fast calls gets its samples though encoding (about 0.5 ms a delta)
// lags behind: with one spare, a 20 ms native run under load got 5 of the 40 it asked for.
// Each window holds one to three HDR histograms of about 256 KiB.
const spareWindows = 4

func newRecording(openLoop bool, send func(loadDelta)) *recording {
	r := &recording{
		window: newWindow(openLoop), openLoop: openLoop, spare: make(chan *window, spareWindows),
		flushes: make(chan flush, spareWindows+1), sent: make(chan struct{}), sampledPerKind: map[failureKind]int{},
	}
	for range spareWindows {
		r.spare <- newWindow(openLoop)
	}
	go func() {
		for f := range r.flushes {
			d := f.window.delta()
			if f.end != nil {
				d.Final, d.ElapsedNs, d.Timing, d.Stuck = true, f.end.elapsedNs, f.end.timing, f.end.stuck
			}
			send(d)
			f.window.clear()
			select {
			case r.spare <- f.window:
			default:
			}
		}
		close(r.sent)
	}()
	return r
}

func (r *recording) outcome(o outcome, recycleNs int64) {
	r.calls++
	if o.kind == kindOK {
		return
	}
	r.errors[o.kind.String()]++
	if r.sampledPerKind[o.kind] < failureSamplesPerKind {
		r.sampledPerKind[o.kind]++
		r.samples = append(r.samples, o.sample())
	}
	if recycleNs >= 0 {
		r.recycles = append(r.recycles, recycle{Cause: o.kind.String(), Ms: float64(recycleNs) / 1e6})
	}
}

// tick hands the window to the encoder and goes on in the spare; while the encoder is still
// busy with the last one, this window keeps filling, and tick says it did not tick.
func (r *recording) tick() bool {
	select {
	case next := <-r.spare:
		r.window.memory = sampleMemory().forHarness()
		r.flushes <- flush{window: r.window}
		r.window = next
		return true
	default:
		return false
	}
}

// finish sends the last window and returns once every delta of the load has been written.
func (r *recording) finish(end ending) {
	r.window.memory = sampleMemory().forHarness()
	r.flushes <- flush{window: r.window, end: &end}
	close(r.flushes)
	<-r.sent
}
