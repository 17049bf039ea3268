package main

import (
	"reflect"
	"testing"
)

// The harness's JSON config becomes Extism's map of strings as in harness/abi/extism.ts.
func TestExtismConfig(t *testing.T) {
	got, err := extismConfig([]byte(`{"greeting":"ahoy","level":3,"nested":{"a": [1, true]},"empty":""}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"greeting": "ahoy", "level": "3", "nested": `{"a":[1,true]}`, "empty": ""}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for _, bad := range []string{`[1,2]`, `"text"`, `{`} {
		if _, err := extismConfig([]byte(bad)); err == nil {
			t.Errorf("%s: expected an error", bad)
		}
	}
}

func TestExtismErrorCodesFollowTheContractTable(t *testing.T) {
	if errorCodes[codeInvalidInput] != "invalid-input" || errorCodes[codeUnsupportedOp] != "unsupported-op" ||
		errorCodes[codeInternal] != "internal" {
		t.Fatalf("codes %d %d %d do not name their errors", codeInvalidInput, codeUnsupportedOp, codeInternal)
	}
}
