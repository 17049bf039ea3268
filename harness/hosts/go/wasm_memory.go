package main

import (
	"golang.org/x/sys/unix"

	"github.com/tetratelabs/wazero/experimental"
)

// reservedMemory backs a linear memory with one reservation of its maximum, committed as it
// grows (as wasmtime does): growing never copies, and only touched pages count in RSS. With
// wazero's default, every memory.grow reallocates and copies the whole memory, so a plugin
// growing 1 MiB at a time toward a 64 MiB quota spends its deadline copying.
type reservedMemory struct {
	reserved  []byte
	committed int
}

var mmapAllocator = experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
	if max == 0 {
		return &reservedMemory{}
	}
	reserved, err := unix.Mmap(-1, 0, int(max), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		fatal("cannot reserve %d bytes for a linear memory: %v", max, err)
	}
	return &reservedMemory{reserved: reserved}
})

func (m *reservedMemory) Reallocate(size uint64) []byte {
	if int(size) > len(m.reserved) {
		return nil
	}
	if int(size) > m.committed {
		if err := unix.Mprotect(m.reserved[m.committed:size], unix.PROT_READ|unix.PROT_WRITE); err != nil {
			return nil
		}
		m.committed = int(size)
	}
	return m.reserved[:size]
}

func (m *reservedMemory) Free() {
	if m.reserved != nil {
		unix.Munmap(m.reserved)
		m.reserved = nil
	}
}
