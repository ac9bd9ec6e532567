package tokenserver

import (
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLowerThreadPriority: the thread of a password check runs in
// SCHED_IDLE, and only that thread.
func TestLowerThreadPriority(t *testing.T) {
	policy := func() int {
		p, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETSCHEDULER, 0, 0, 0)
		if errno != 0 {
			t.Fatalf("sched_getscheduler: %v", errno)
		}
		return int(p)
	}
	done := make(chan [2]int)
	go func() {
		// The thread is never unlocked, so that it ends with this
		// goroutine and takes its policy with it.
		runtime.LockOSThread()
		before := policy()
		lowerThreadPriority()
		done <- [2]int{before, policy()}
	}()
	got := <-done
	assert.Equal(t, 0, got[0], "SCHED_OTHER before")
	assert.Equal(t, schedIdle, got[1], "SCHED_IDLE after")

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	assert.Equal(t, 0, policy(), "another thread keeps its policy")
}
