package e2e

import "syscall"

// procAttr puts a test process in its own group, so that the cleanup reaches its children, and
// has Linux kill it with the test binary should that die without running cleanups (a -timeout panic).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
