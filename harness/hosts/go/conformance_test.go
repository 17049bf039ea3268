package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

// The conformance table shared with the Node engines (test/contract/conformance.test.ts).
const conformancePath = "../../../test/contract/conformance.json"

type expected struct {
	Kind      string `json:"kind"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	OutputHex string `json:"outputHex"`
}

type conformanceTable struct {
	CanonicalResult []struct {
		Name           string            `json:"name"`
		MemoryBytes    int               `json:"memoryBytes"`
		Writes         map[string]string `json:"writes"`
		Retptr         uint32            `json:"retptr"`
		HasOk          bool              `json:"hasOk"`
		MaxOutputBytes int               `json:"maxOutputBytes"`
		Expect         expected          `json:"expect"`
	} `json:"canonicalResult"`
	NativeStatus []struct {
		Name      string   `json:"name"`
		Status    int      `json:"status"`
		BufferHex string   `json:"bufferHex"`
		HasOutput bool     `json:"hasOutput"`
		Expect    expected `json:"expect"`
	} `json:"nativeStatus"`
}

// byteMemory is a linear memory image for decoding without an engine.
type byteMemory []byte

func (m byteMemory) Read(offset, count uint32) ([]byte, bool) {
	end := uint64(offset) + uint64(count)
	if end > uint64(len(m)) {
		return nil, false
	}
	return m[offset:end], true
}

func (m byteMemory) Size() uint32 { return uint32(len(m)) }

func loadJSON(t *testing.T, path string, into any) {
	t.Helper()
	bytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bytes, into); err != nil {
		t.Fatal(err)
	}
}

func mustHex(t *testing.T, text string) []byte {
	t.Helper()
	bytes, err := hex.DecodeString(text)
	if err != nil {
		t.Fatal(err)
	}
	return bytes
}

// recovered runs a decoder and turns a protocol violation into the outcome guard would make.
func recovered(decode func() outcome) (result outcome) {
	defer func() {
		if v, isViolation := recover().(protocolViolation); isViolation {
			result = failure(kindProtocol, "%s", v.message)
		}
	}()
	return decode()
}

func assertOutcome(t *testing.T, got outcome, want expected) {
	t.Helper()
	if got.kind.String() != want.Kind {
		t.Fatalf("kind %s (%q), want %s", got.kind, got.message, want.Kind)
	}
	switch {
	case got.kind == kindOK:
		if hex.EncodeToString(got.output) != want.OutputHex {
			t.Fatalf("output %x, want %s", got.output, want.OutputHex)
		}
	case got.message != want.Message:
		t.Fatalf("message %q, want %q", got.message, want.Message)
	case got.kind == kindPlugin && errorCodes[got.code] != want.Code:
		t.Fatalf("code %s, want %s", errorCodes[got.code], want.Code)
	}
}

func TestCanonicalResultConformance(t *testing.T) {
	var table conformanceTable
	loadJSON(t, conformancePath, &table)
	if len(table.CanonicalResult) == 0 {
		t.Fatal("no canonical-result cases")
	}
	for _, c := range table.CanonicalResult {
		t.Run(c.Name, func(t *testing.T) {
			memory := make(byteMemory, c.MemoryBytes)
			for at, bytes := range c.Writes {
				offset, _ := strconv.Atoi(at)
				copy(memory[offset:], mustHex(t, bytes))
			}
			got := recovered(func() outcome { return decodeResultArea(memory, c.Retptr, c.HasOk, c.MaxOutputBytes) })
			assertOutcome(t, got, c.Expect)
		})
	}
}

func TestNativeStatusConformance(t *testing.T) {
	var table conformanceTable
	loadJSON(t, conformancePath, &table)
	if len(table.NativeStatus) == 0 {
		t.Fatal("no native-status cases")
	}
	for _, c := range table.NativeStatus {
		t.Run(c.Name, func(t *testing.T) {
			assertOutcome(t, decodeNativeStatus(c.Status, mustHex(t, c.BufferHex), c.HasOutput), c.Expect)
		})
	}
}

func TestPoisoningKinds(t *testing.T) {
	poisoning := map[string]bool{"panic": true, "trap": true, "timeout": true, "crash": true, "resource-exhausted": true}
	for k := kindPlugin; k <= kindRejected; k++ {
		if k.poisons() != poisoning[k.String()] {
			t.Errorf("%s poisons: %v", k, k.poisons())
		}
	}
}
