package main

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct { uint8_t *ptr; size_t len; } pb_buf;

// The contract's functions (harness/contract/plugbench.h), looked up once per library.
typedef struct {
	uint32_t (*abi)(void);
	int32_t (*describe)(pb_buf *out);
	int32_t (*init)(const uint8_t *config, size_t len, pb_buf *out);
	int32_t (*call)(const uint8_t *op, size_t op_len, const uint8_t *in, size_t in_len, pb_buf *out);
	void (*free_buf)(pb_buf buf);
	void (*shutdown)(void);
} pb_exports;

// Opens a library and looks up every export; returns NULL, or why dlopen failed (*loaded is
// then 0), or the export that is missing.
static const char *pb_open(const char *path, pb_exports *e, int *loaded) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	*loaded = h != NULL;
	if (h == NULL) return dlerror();
	static const char *names[] = {
		"plugbench_abi", "plugbench_describe", "plugbench_init",
		"plugbench_call", "plugbench_free", "plugbench_shutdown",
	};
	void *found[6];
	for (int i = 0; i < 6; i++) {
		found[i] = dlsym(h, names[i]);
		if (found[i] == NULL) return names[i];
	}
	e->abi = found[0]; e->describe = found[1]; e->init = found[2];
	e->call = found[3]; e->free_buf = found[4]; e->shutdown = found[5];
	return NULL;
}

static uint32_t pb_abi(pb_exports *e) { return e->abi(); }
static int32_t pb_describe(pb_exports *e, pb_buf *out) { return e->describe(out); }
static int32_t pb_init(pb_exports *e, const uint8_t *c, size_t n, pb_buf *out) { return e->init(c, n, out); }
static int32_t pb_call(pb_exports *e, const uint8_t *op, size_t op_len, const uint8_t *in, size_t in_len, pb_buf *out) {
	return e->call(op, op_len, in, in_len, out);
}
static void pb_free(pb_exports *e, uintptr_t ptr, size_t len) { pb_buf b = {(uint8_t *)ptr, len}; e->free_buf(b); }
static void pb_shutdown(pb_exports *e) { e->shutdown(); }
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"
)

// nativeArtifact is the verified bytes of a cdylib. Every instance is a fresh copy written
// to a private file, opened and unlinked: the library that runs is the one that was hashed,
// and a replacement after a panic starts from clean statics.
type nativeArtifact struct {
	bytes     []byte
	maxOutput int
}

func (a *nativeArtifact) open() (*nativeInstance, error) {
	dir, err := os.MkdirTemp("", "plugbench-go-native-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "plugin.so")
	if err := os.WriteFile(path, a.bytes, 0o500); err != nil {
		return nil, err
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	exports := (*C.pb_exports)(C.malloc(C.sizeof_pb_exports))
	var loaded C.int
	if missing := C.pb_open(cpath, exports, &loaded); missing != nil {
		C.free(unsafe.Pointer(exports))
		if loaded == 0 {
			return nil, dlopenRefusal(C.GoString(missing), dataSegmentLimited())
		}
		why := fmt.Sprintf("the shared library lacks the contract export `%s`; "+
			"it must export every function of harness/contract/plugbench.h", C.GoString(missing))
		return nil, refusal{"protocol", why}
	}
	return &nativeInstance{exports: exports, maxOutput: a.maxOutput, out: (*C.pb_buf)(C.malloc(C.sizeof_pb_buf))}, nil
}

// dlopenRefusal says why a library did not load. Under RLIMIT_DATA a library whose segments
// cannot be mapped is out of quota, not broken: what earlier calls allocated, or the threads
// they left running (whose stacks count, and whose library glibc keeps mapped), hold the room.
func dlopenRefusal(dlerror string, limited bool) refusal {
	if limited && strings.Contains(dlerror, "failed to map segment") {
		why := "the memory quota leaves no room to map a fresh copy of the library (" + dlerror + "): " +
			"what earlier calls allocated and kept, or threads they left running, hold it"
		return refusal{kindNames[kindResourceExhausted], why}
	}
	return refusal{"protocol", "the shared library does not load: " + dlerror}
}

// abi is `plugbench_abi()`, called before any other function of the library.
func (n *nativeInstance) abi() uint32 { return uint32(C.pb_abi(n.exports)) }

func (a *nativeArtifact) instantiate() (instance, error) { return a.open() }

// close has nothing to free: each instance's copy stays mapped until the process ends.
func (a *nativeArtifact) close() {}

// nativeInstance calls a cdylib through cgo. A native fault ends this process: the harness
// sees the signal. Every buffer the plugin returns is copied through the kernel, so a lying
// pointer is a protocol failure, not a crash.
type nativeInstance struct {
	exports   *C.pb_exports
	maxOutput int
	out       *C.pb_buf
	poisoned  string
}

func (n *nativeInstance) describeManifest() (string, error) {
	*n.out = C.pb_buf{}
	status := C.pb_describe(n.exports, n.out)
	bytes, err := n.take()
	var json string
	if err == nil {
		json, err = decodeUTF8(bytes, "the manifest from `plugbench_describe`")
	}
	if err != nil {
		return "", refusal{"protocol", err.Error()}
	}
	if status != nativeOK {
		return "", refusal{"protocol", fmt.Sprintf("`plugbench_describe` returned status %d: %s", status, json)}
	}
	return json, nil
}

func pointer(bytes []byte) *C.uint8_t {
	if len(bytes) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&bytes[0]))
}

func (n *nativeInstance) init(config []byte) outcome {
	return n.run(func() C.int32_t { return C.pb_init(n.exports, pointer(config), C.size_t(len(config)), n.out) }, false)
}

// call cannot be stopped: a deadline on this boundary is the supervisor's, which kills the process.
func (n *nativeInstance) call(op, input []byte, _ time.Duration) outcome {
	return n.run(func() C.int32_t {
		return C.pb_call(n.exports, pointer(op), C.size_t(len(op)), pointer(input), C.size_t(len(input)), n.out)
	}, true)
}

func (n *nativeInstance) shutdown() {
	if n.poisoned == "" {
		C.pb_shutdown(n.exports)
	}
}

func (n *nativeInstance) memoryBytes() int64 { return -1 }

// close stops calls; the library stays mapped until the process ends (unloading Rust is unsafe).
func (n *nativeInstance) close() {
	if n.poisoned == "" {
		n.poisoned = "closed"
	}
}

func (n *nativeInstance) run(enter func() C.int32_t, hasOutput bool) outcome {
	if n.poisoned != "" {
		fatal("instance called after it was %s", n.poisoned)
	}
	*n.out = C.pb_buf{}
	status := enter()
	result := n.decode(int(status), hasOutput)
	if result.kind.poisons() {
		n.poisoned = "poisoned by a " + result.kind.String()
	}
	return result
}

func (n *nativeInstance) decode(status int, hasOutput bool) outcome {
	bytes, err := n.take()
	if err != nil {
		return failure(kindProtocol, "%s", err.Error())
	}
	return decodeNativeStatus(status, bytes, hasOutput)
}

// take copies the buffer the plugin wrote to `out` and gives it back to `plugbench_free`. A
// buffer that is not readable memory is not handed back (freeing it would crash).
func (n *nativeInstance) take() ([]byte, error) {
	ptr := uintptr(unsafe.Pointer(n.out.ptr))
	length := uint64(n.out.len)
	if ptr == 0 {
		if length != 0 {
			return nil, violation("the plugin returned a NULL buffer of length %d", length)
		}
		return nil, nil
	}
	if length > uint64(n.maxOutput) {
		return nil, violation("the plugin returned %d bytes, past the output limit of %d", length, n.maxOutput)
	}
	bytes, readable := copyPluginMemory(ptr, int(length))
	if !readable {
		return nil, violation("the plugin returned %d bytes at 0x%x, which is not readable memory", length, ptr)
	}
	C.pb_free(n.exports, C.uintptr_t(ptr), C.size_t(length))
	return bytes, nil
}
