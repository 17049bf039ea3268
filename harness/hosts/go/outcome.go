package main

import (
	"fmt"
	"unicode/utf8"
)

// failureKind, its names, errorCodes and poisons() are generated (contract_gen.go).
func (k failureKind) String() string { return kindNames[k] }

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
