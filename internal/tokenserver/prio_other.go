//go:build !linux

package tokenserver

// lowerThreadPriority does nothing: the system has no per-thread
// priority that this package knows how to lower.
func lowerThreadPriority() {}
