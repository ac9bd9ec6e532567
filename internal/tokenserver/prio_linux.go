package tokenserver

import (
	"syscall"
	"unsafe"
)

// schedIdle is the Linux scheduling policy SCHED_IDLE (sched(7)).
const schedIdle = 5

// lowerThreadPriority puts the calling thread in the scheduling policy
// SCHED_IDLE: it runs only on a CPU that no ordinary thread wants, and an
// ordinary thread that wakes up takes the CPU from it at once, where a
// thread with a mere higher nice value may hold it for milliseconds more.
// On Linux the policy belongs to each thread, and a thread may take this
// one without privilege (since Linux 2.6.39). Where it is refused (a
// filter on system calls), the thread gets the nice value 10 instead, and
// where that fails too, it keeps its priority.
func lowerThreadPriority() {
	var param struct{ priority int32 }
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, 0, schedIdle, uintptr(unsafe.Pointer(&param)))
	if errno != 0 {
		syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 10)
	}
}
