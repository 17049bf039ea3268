package main

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
)

// memorySample is what this host holds, sampled while a plugin runs.
type memorySample struct {
	RssBytes    int64 `json:"rssBytes"`
	GoHeapBytes int64 `json:"goHeapBytes"`
	// MallocBytes is where a native plugin's allocations live (Go's heap is not malloc).
	MallocBytes     int64  `json:"mallocBytes"`
	WasmMemoryBytes *int64 `json:"wasmMemoryBytes,omitempty"`
}

// wasmMemoryBytes is the current instance's linear memory as the worker last saw it (-1 for
// native), so memory can be sampled from another goroutine while a load runs.
var wasmMemoryBytes atomic.Int64

func rssBytes() int64 {
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(statm))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func goHeapBytes() int64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return int64(sample[0].Value.Uint64())
}

// laneMemory is a sample as the harness names a lane's memory (LaneMemory, harness/isolations/lane.ts).
type laneMemory struct {
	WasmMemoryBytes  *int64 `json:"wasmMemoryBytes,omitempty"`
	ChildRssBytes    int64  `json:"childRssBytes"`
	ChildMallocBytes int64  `json:"childMallocBytes"`
	ChildGoHeapBytes int64  `json:"childGoHeapBytes"`
}

func (s memorySample) forHarness() laneMemory {
	return laneMemory{
		WasmMemoryBytes: s.WasmMemoryBytes, ChildRssBytes: s.RssBytes,
		ChildMallocBytes: s.MallocBytes, ChildGoHeapBytes: s.GoHeapBytes,
	}
}

func sampleMemory() memorySample {
	s := memorySample{RssBytes: rssBytes(), GoHeapBytes: goHeapBytes(), MallocBytes: mallocInUseBytes()}
	if wasm := wasmMemoryBytes.Load(); wasm >= 0 {
		s.WasmMemoryBytes = &wasm
	}
	return s
}
