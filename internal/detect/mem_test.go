package detect

import "runtime"

type runtimeMem struct{}

// heap returns the live heap after a full collection.
func (runtimeMem) heap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
