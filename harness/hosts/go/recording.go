package main

import (
	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies up to an hour, 3 significant digits: the harness's own histograms
// (harness/measure/latency.ts), so the encodings merge exactly.
const (
	highestTrackableNs = 3_600_000_000_000
	significantDigits  = 3
	// The first few failures of each kind are kept verbatim (FAILURE_SAMPLES_PER_KIND).
	failureSamplesPerKind = 3
)

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
}

// recording accumulates one load's measurements between deltas.
type recording struct {
	latency, uncorrected, jitter *hdr.Histogram
	calls, late                  int64
	errors                       map[string]int64
	samples                      []sample
	recycles                     []recycle
	// Samples kept per kind over the whole load, not per delta.
	sampledPerKind map[failureKind]int
}

func newRecording(openLoop bool) *recording {
	r := &recording{latency: newHistogram(), errors: map[string]int64{}, samples: []sample{}, recycles: []recycle{}, sampledPerKind: map[failureKind]int{}}
	if openLoop {
		r.uncorrected = newHistogram()
		r.jitter = newHistogram()
	}
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

// delta encodes what was recorded since the last delta and starts afresh.
func (r *recording) delta() loadDelta {
	d := loadDelta{
		Calls: r.calls, Late: r.late, Errors: r.errors, FailureSamples: r.samples, Recycles: r.recycles,
		Latency: encode(r.latency), Uncorrected: encode(r.uncorrected), Jitter: encode(r.jitter),
	}
	r.calls, r.late, r.errors, r.samples, r.recycles = 0, 0, map[string]int64{}, []sample{}, []recycle{}
	for _, h := range []*hdr.Histogram{r.latency, r.uncorrected, r.jitter} {
		if h != nil {
			h.Reset()
		}
	}
	return d
}
