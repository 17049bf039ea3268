package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// The wire format between the harness and this host, on the socket at fd 3. Every frame is
// u32 LE length (of what follows) | u8 type | u32 LE id | payload. Calls and their outcomes
// are binary; everything rare is JSON. harness/isolations/go-frames.ts is the other side.
//
// Payloads by frame type (the numbers are generated into contract_gen.go):
//   reqOpen      JSON openRequest; once a plugin is loaded, it is unloaded first (a reload)
//   reqDescribe  empty
//   reqInit      the config, UTF-8 JSON
//   reqCall      u32 deadlineMs (0: none) | u16 opLen | op | input
//   reqBatch     u32 count | u16 opLen | op | input
//   reqMemory    empty
//   reqLoad      u32 jsonLen | JSON loadRequest | the inputs, back to back
//   reqStop      empty; id names the load to stop
//   reqClose     empty
//   reqHold      u8 which: the held plugin (0 or 1) that the requests after it address
//   reqPaired    as reqLoad, with calls: that many calls on each held plugin, alternating
//   repOpened    JSON openedReply
//   repDescribed the manifest, valid UTF-8
//   repRefused   JSON refusal
//   repOutcome   u8 kind | u8 code | u64 innerNs | i64 recycleNs (-1: none) | output or message
//   repBatched   u32 n | n × u64 innerNs | i64 recycleNs | JSON failures
//   repMemory    JSON memorySample
//   repLoadTick  JSON loadDelta
//   repClosed    empty
//   repPaired    u32 n | n × u64 innerNs of the first | n × u64 of the second | JSON [failures of each]

// Largest frame accepted from the harness: inputs of a load pool are the biggest thing sent.
const maxFrameBytes = 1 << 30

type frame struct {
	kind    byte
	id      uint32
	payload []byte
}

func readFrame(r *bufio.Reader) (frame, error) {
	var header [9]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return frame{}, err
	}
	length := binary.LittleEndian.Uint32(header[0:4])
	if length < 5 || length > maxFrameBytes {
		return frame{}, fmt.Errorf("frame of %d bytes", length)
	}
	payload := make([]byte, length-5)
	if _, err := io.ReadFull(r, payload); err != nil {
		return frame{}, err
	}
	return frame{kind: header[4], id: binary.LittleEndian.Uint32(header[5:9]), payload: payload}, nil
}

// writer sends frames from any goroutine, one whole frame at a time.
type writer struct {
	mu  sync.Mutex
	out *bufio.Writer
}

func (w *writer) send(kind byte, id uint32, parts ...[]byte) {
	length := 5
	for _, p := range parts {
		length += len(p)
	}
	var header [9]byte
	binary.LittleEndian.PutUint32(header[0:4], uint32(length))
	header[4] = kind
	binary.LittleEndian.PutUint32(header[5:9], id)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(header[:])
	for _, p := range parts {
		w.out.Write(p)
	}
	// A write error means the harness is gone: the read loop sees EOF and the host exits.
	w.out.Flush()
}

func (w *writer) sendJSON(kind byte, id uint32, value any) {
	bytes, err := json.Marshal(value)
	if err != nil {
		panic(fmt.Sprintf("plugbench-go-host bug: %v", err))
	}
	w.send(kind, id, bytes)
}

// splitOpInput reads `u16 opLen | op | input` from a call or batch request.
func splitOpInput(payload []byte) (op []byte, input []byte, err error) {
	if len(payload) < 2 {
		return nil, nil, fmt.Errorf("request of %d bytes has no op", len(payload))
	}
	n := int(binary.LittleEndian.Uint16(payload[0:2]))
	if len(payload) < 2+n {
		return nil, nil, fmt.Errorf("op of %d bytes in a request of %d", n, len(payload))
	}
	return payload[2 : 2+n], payload[2+n:], nil
}

func u64le(v uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, v)
	return b
}
