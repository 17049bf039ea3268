package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

// Golden frames shared with the harness (test/contract/go-frames.test.ts).
const goldenFramesPath = "../../../test/contract/frames.golden.json"

type goldenFrame struct {
	Name       string   `json:"name"`
	Direction  string   `json:"direction"`
	Kind       byte     `json:"kind"`
	ID         uint32   `json:"id"`
	DeadlineMs uint32   `json:"deadlineMs"`
	Count      uint32   `json:"count"`
	Op         string   `json:"op"`
	InputHex   string   `json:"inputHex"`
	InnerNs    int64    `json:"innerNs"`
	RecycleNs  int64    `json:"recycleNs"`
	Outcome    expected `json:"outcome"`
	Hex        string   `json:"hex"`
}

func goldenFrames(t *testing.T, direction string) []goldenFrame {
	var golden struct {
		Frames []goldenFrame `json:"frames"`
	}
	loadJSON(t, goldenFramesPath, &golden)
	var picked []goldenFrame
	for _, f := range golden.Frames {
		if f.Direction == direction {
			picked = append(picked, f)
		}
	}
	if len(picked) == 0 {
		t.Fatalf("no golden %s frames", direction)
	}
	return picked
}

func TestRequestsDecodeFromGoldenFrames(t *testing.T) {
	for _, g := range goldenFrames(t, "request") {
		t.Run(g.Name, func(t *testing.T) {
			f, err := readFrame(bufio.NewReader(bytes.NewReader(mustHex(t, g.Hex))))
			if err != nil {
				t.Fatal(err)
			}
			if f.kind != g.Kind || f.id != g.ID {
				t.Fatalf("frame %d #%d, want %d #%d", f.kind, f.id, g.Kind, g.ID)
			}
			leading := binary.LittleEndian.Uint32(f.payload[0:4])
			if want := max(g.DeadlineMs, g.Count); leading != want {
				t.Fatalf("leading u32 %d, want %d", leading, want)
			}
			op, input, err := splitOpInput(f.payload[4:])
			if err != nil || string(op) != g.Op || hex.EncodeToString(input) != g.InputHex {
				t.Fatalf("op %q input %x (%v), want %q %s", op, input, err, g.Op, g.InputHex)
			}
		})
	}
}

func TestOutcomesEncodeToGoldenFrames(t *testing.T) {
	for _, g := range goldenFrames(t, "reply") {
		t.Run(g.Name, func(t *testing.T) {
			var sent bytes.Buffer
			s := &server{w: &writer{out: bufio.NewWriter(&sent)}}
			result := outcome{output: mustHex(t, g.Outcome.OutputHex), message: g.Outcome.Message}
			for k, name := range kindNames {
				if name == g.Outcome.Kind {
					result.kind = failureKind(k)
				}
			}
			for c, name := range errorCodes {
				if name == g.Outcome.Code {
					result.code = byte(c)
				}
			}
			s.sendOutcome(g.ID, result, g.InnerNs, g.RecycleNs)
			if got := hex.EncodeToString(sent.Bytes()); got != g.Hex {
				t.Fatalf("encoded\n%s\nwant\n%s", got, g.Hex)
			}
		})
	}
}

func TestReadFrameRefusesAFrameShorterThanItsHeader(t *testing.T) {
	short := []byte{2, 0, 0, 0, reqCall, 0}
	if _, err := readFrame(bufio.NewReader(bytes.NewReader(short))); err == nil {
		t.Fatal("a frame whose length leaves no room for type and id was accepted")
	}
}
