package main

import (
	"fmt"
	"unicode/utf8"
)

// failureKind mirrors FAILURE_KINDS in harness/contract/errors.ts; on the wire it is the
// index there plus one, and 0 is ok.
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

var kindNames = [...]string{"ok", "plugin", "panic", "trap", "timeout", "crash", "resource-exhausted", "protocol", "incompatible", "rejected"}

func (k failureKind) String() string { return kindNames[k] }

// The plugin's own error codes, in WIT order (harness/contract/errors.ts ERROR_CODES).
var errorCodes = [...]string{"invalid-input", "unsupported-op", "resource-exhausted", "internal"}

// poisons says whether an instance must be replaced after a failure of this kind.
func (k failureKind) poisons() bool {
	return k == kindPanic || k == kindTrap || k == kindTimeout || k == kindCrash || k == kindResourceExhausted
}

// outcome is how one call ended: ok with an output, or a failure with a message (and, for
// `plugin`, the plugin's error code).
type outcome struct {
	kind    failureKind
	code    byte
	output  []byte
	message string
}

func ok(output []byte) outcome { return outcome{kind: kindOK, output: output} }

func failure(kind failureKind, format string, args ...any) outcome {
	return outcome{kind: kind, message: fmt.Sprintf(format, args...)}
}

// protocolViolation is what a plugin that breaks the contract gets: never a host crash.
type protocolViolation struct{ message string }

func (p protocolViolation) Error() string { return p.message }

func violation(format string, args ...any) protocolViolation {
	return protocolViolation{fmt.Sprintf(format, args...)}
}

func decodeUTF8(bytes []byte, what string) (string, error) {
	if !utf8.Valid(bytes) {
		return "", violation("%s is not valid UTF-8", what)
	}
	return string(bytes), nil
}

// sample is a failure as results.json's failureSamples holds it.
type sample struct {
	Kind    string `json:"kind"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func (o outcome) sample() sample {
	s := sample{Kind: o.kind.String(), Message: o.message}
	if o.kind == kindPlugin {
		s.Code = errorCodes[o.code]
	}
	return s
}
