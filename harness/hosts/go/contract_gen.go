// Generated from harness/contract/contract.json by `node scripts/contract-gen.mjs`: edit the table, not this file.

package main

// ABI version of contract v1 this host speaks.
const (
	hostAbiMajor     = 1
	hostAbiMinor     = 0
	hostImportModule = "plugbench:plugin/host@1.0.0"
)

// failureKind is a way a call can fail; on the wire it is its index in FAILURE_KINDS plus one, and 0 is ok.
type failureKind byte

const (
	kindOK failureKind = iota
	kindPlugin
	kindPanic
	kindTrap
	kindTimeout
	kindCrash
	kindResourceExhausted
	kindProtocol
	kindIncompatible
	kindRejected
)

var kindNames = [...]string{
	"ok",
	"plugin",
	"panic",
	"trap",
	"timeout",
	"crash",
	"resource-exhausted",
	"protocol",
	"incompatible",
	"rejected",
}

// poisons says whether an instance must be replaced after a failure of this kind.
func (k failureKind) poisons() bool {
	switch k {
	case kindPanic, kindTrap, kindTimeout, kindCrash, kindResourceExhausted:
		return true
	}
	return false
}

// The plugin's own error codes, in WIT order.
var errorCodes = [...]string{"invalid-input", "unsupported-op", "resource-exhausted", "internal"}

// Native status codes from plugbench.h; 1..len(errorCodes) are the error codes in order.
const (
	nativeOK    = 0
	nativePanic = 255
)

// Limits shared by every engine.
const (
	maxMessageBytes       = 4096
	defaultMaxOutputBytes = 67108864
	exhaustedMemoryShare  = 0.9
	wasmPageBytes         = 65536
	maxWasm32Pages        = 65536
)

// Timing rules shared with the harness.
const (
	perCallMinReads       = 20
	batchMinReads         = 100
	clockCalibrationReads = 20000
	calibrationCalls      = 201
	calibrationBudgetNs   = 50000000
	maxBatch              = 10000
	sleepAboveNs          = 2000000
	tickMs                = 100
	highestTrackableNs    = 3600000000000
	significantDigits     = 3
	failureSamplesPerKind = 3
	batchFailuresKept     = 16
)

// Exit codes of a host that cannot go on (harness/isolations/supervised-lane.ts reads them).
const (
	exitFatal = 3
	exitQuota = 4
)

// Frame types of the wire protocol (harness/isolations/go-frames.ts is the other side).
const (
	reqOpen      = 1
	reqDescribe  = 2
	reqInit      = 3
	reqCall      = 4
	reqBatch     = 5
	reqMemory    = 6
	reqLoad      = 7
	reqStop      = 8
	reqClose     = 9
	reqHold      = 10
	reqPaired    = 11
	repOpened    = 101
	repDescribed = 102
	repRefused   = 103
	repOutcome   = 104
	repBatched   = 105
	repMemory    = 106
	repLoadTick  = 107
	repClosed    = 108
	repPaired    = 109
)

// Frame types only a Node `@process` child sends: reserved here so that the two tables never collide.
const (
	childReply    = 120
	childAnswered = 121
)
