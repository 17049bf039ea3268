package main

import (
	"strings"
	"testing"
)

// A library that cannot be mapped under the memory quota is out of quota, and says so; any
// other dlopen failure, or any failure without a quota, is the library's.
func TestDlopenRefusal(t *testing.T) {
	const mapping = "/tmp/plugin.so: failed to map segment from shared object"
	cases := []struct {
		dlerror string
		limited bool
		kind    string
		says    string
	}{
		{mapping, true, "resource-exhausted", "memory quota leaves no room"},
		{mapping, false, "protocol", "does not load: " + mapping},
		{"/tmp/plugin.so: invalid ELF header", true, "protocol", "does not load: /tmp/plugin.so: invalid ELF header"},
	}
	for _, c := range cases {
		got := dlopenRefusal(c.dlerror, c.limited)
		if got.Kind != c.kind || !strings.Contains(got.Message, c.says) {
			t.Errorf("dlopenRefusal(%q, %v) = %+v, want kind %s saying %q", c.dlerror, c.limited, got, c.kind, c.says)
		}
	}
}
