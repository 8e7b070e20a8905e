//go:build !linux

package e2e

import "syscall"

// procAttr puts a test process in its own group, so that the cleanup reaches its children.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
