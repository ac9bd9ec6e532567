package tokenserver

import "syscall"

// lowerThreadPriority gives the calling thread the nice value 10. On
// Linux the nice value belongs to each thread; raising it needs no
// privilege. A failure (a filter on system calls) leaves the priority as
// it was.
func lowerThreadPriority() {
	syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 10)
}
