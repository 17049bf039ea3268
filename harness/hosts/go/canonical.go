package main

import (
	"encoding/binary"
	"strings"
)

// Decoding of the canonical-ABI values the contract's exports return, checked against the
// instance's memory, with the messages of harness/engines/canonical.ts (the conformance table
// in test/contract/conformance.json holds both to them). A violation panics, for guard.

// linearMemory is what decoding needs of a module's memory: wazero's api.Memory, or bytes in tests.
type linearMemory interface {
	Read(offset, byteCount uint32) ([]byte, bool)
	Size() uint32
}

// readChecked is a view of `length` bytes at `ptr`, after checking the range and the limit.
func readChecked(memory linearMemory, ptr, length uint32, maxBytes int, what string) []byte {
	if int64(length) > int64(maxBytes) {
		panic(violation("%s is %d bytes, past the output limit of %d", what, length, maxBytes))
	}
	view, ok := memory.Read(ptr, length)
	if !ok {
		end := uint64(ptr) + uint64(length)
		panic(violation("%s at [%d, %d) lies outside linear memory of %d bytes", what, ptr, end, memory.Size()))
	}
	return view
}

// decodeResultArea reads a `result<list<u8>, plugin-error>` return area (or `result<_, …>`
// when hasOk is false) and copies what it needs before the post-return frees it.
func decodeResultArea(memory linearMemory, retptr uint32, hasOk bool, maxOutput int) outcome {
	area := readChecked(memory, retptr, 16, 16, "the return area")
	list := func(at int, what string) []byte {
		ptr, length := binary.LittleEndian.Uint32(area[at:at+4]), binary.LittleEndian.Uint32(area[at+4:at+8])
		return readChecked(memory, ptr, length, maxOutput, what)
	}
	switch area[0] {
	case 0:
		if !hasOk {
			return ok(nil)
		}
		return ok(append([]byte(nil), list(4, "the output")...))
	case 1:
		code := area[4]
		if int(code) >= len(errorCodes) {
			codes := strings.Join(errorCodes[:], ", ")
			panic(violation("error code %d is not one of 0..%d (%s)", code, len(errorCodes)-1, codes))
		}
		what := "the error message"
		message, err := decodeUTF8(list(8, what), what)
		if err != nil {
			panic(err)
		}
		return outcome{kind: kindPlugin, code: code, message: message}
	default:
		panic(violation("result discriminant %d is neither 0 (ok) nor 1 (err)", area[0]))
	}
}

// decodeNativeStatus turns a native call's status and the buffer it wrote to `out` into an
// outcome (harness/engines/native.ts decodeNativeStatus).
func decodeNativeStatus(status int, bytes []byte, hasOutput bool) outcome {
	if status == nativeOK {
		if !hasOutput {
			return ok(nil)
		}
		return ok(bytes)
	}
	message, err := decodeUTF8(bytes, "the error message")
	if err != nil {
		return failure(kindProtocol, "%s", err.Error())
	}
	switch {
	case status == nativePanic:
		return failure(kindPanic, "%s", message)
	case status >= 1 && status <= len(errorCodes):
		return outcome{kind: kindPlugin, code: byte(status - 1), message: message}
	default:
		return failure(kindProtocol, "status %d is not one of 0..%d or %d (plugbench.h)",
			status, len(errorCodes), nativePanic)
	}
}
