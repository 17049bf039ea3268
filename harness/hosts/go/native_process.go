package main

/*
#include <malloc.h>
#include <signal.h>
#include <string.h>

static void pb_die(int sig) {
	// SA_RESETHAND restored the default action: returning re-raises the fault (or abort()
	// raises again), so the process ends by the plugin's own signal.
	(void)sig;
}

// Go turns a signal in C code into its own traceback and exit code 2; these handlers let a
// native plugin's fault end the process with the signal itself, as the harness reports it.
static void pb_crash_with_signal(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pb_die;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	for (int i = 0; i < 5; i++) sigaction(signals[i], &sa, NULL);
}

static size_t pb_malloc_in_use(void) {
	struct mallinfo2 info = mallinfo2();
	return info.uordblks + info.hblkhd;
}
*/
import "C"

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// copyPluginMemory copies `length` bytes a native plugin pointed at, through the kernel
// (process_vm_readv on this very process): an unmapped range fails instead of faulting.
func copyPluginMemory(address uintptr, length int) ([]byte, bool) {
	copied := make([]byte, length)
	for done := 0; done < length; {
		local := []unix.Iovec{{Base: &copied[done], Len: uint64(length - done)}}
		remote := []unix.RemoteIovec{{Base: address + uintptr(done), Len: length - done}}
		n, err := unix.ProcessVMReadv(os.Getpid(), local, remote, 0)
		if err != nil || n <= 0 {
			return nil, false
		}
		done += n
	}
	return copied, true
}

// mallocInUseBytes is what this process holds from malloc (glibc mallinfo2). Go's own heap
// does not come from malloc, so this is the native plugin's memory, to the byte.
func mallocInUseBytes() int64 { return int64(C.pb_malloc_in_use()) }

// crashWithSignal makes a native fault end the process with its own signal. Installing the
// same handlers again (a reload) changes nothing.
func crashWithSignal() { C.pb_crash_with_signal() }

var vmData = regexp.MustCompile(`VmData:\s+(\d+) kB`)

// limitDataSegment caps RLIMIT_DATA at what the process holds now plus the quota, so a native
// plugin's allocations fail at the quota instead of exhausting the machine. Each open sets it
// again, a reload relative to what the process holds by then. Only the soft limit, which is
// what allocations hit, is lowered: a hard limit lowered too could not be raised again for the
// next plugin without privilege.
func limitDataSegment(quotaBytes int64) (string, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "", err
	}
	match := vmData.FindSubmatch(status)
	if match == nil {
		return "", fmt.Errorf("no VmData in /proc/self/status")
	}
	kb, _ := strconv.ParseInt(string(match[1]), 10, 64)
	limit := uint64(kb*1024 + quotaBytes)
	var current syscall.Rlimit
	if err := syscall.Getrlimit(unix.RLIMIT_DATA, &current); err != nil {
		return "", err
	}
	if err := syscall.Setrlimit(unix.RLIMIT_DATA, &syscall.Rlimit{Cur: limit, Max: max(current.Max, limit)}); err != nil {
		return "", err
	}
	return fmt.Sprintf("RLIMIT_DATA %d bytes", limit), nil
}

// dataSegmentLimited says whether this process runs under an RLIMIT_DATA (`limitDataSegment`).
func dataSegmentLimited() bool {
	var current syscall.Rlimit
	return syscall.Getrlimit(unix.RLIMIT_DATA, &current) == nil && current.Cur != unix.RLIM_INFINITY
}
