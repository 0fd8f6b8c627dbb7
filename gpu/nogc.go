//go:build cgo && linux

package gpu

import (
	"runtime/debug"
	"sync"
)

// vulkan-go copies nested slices (extension names, create-info arrays,
// barriers, descriptor writes...) into C memory that it frees from a
// finalizer on a local variable of its own; the garbage collector may run
// that finalizer while the C call that reads the memory is still going
// (SIGSEGVs in vkUpdateDescriptorSets and vkCreateComputePipelines under
// GOGC=1; TestGCStress). vkCreateComputePipelines, which also crashed
// with the collector off, now goes through a C shim (createPipeline), as
// do submission and waiting. Every other vulkan-go call that takes such arguments
// therefore runs inside withoutGC, with the collector off: SetGCPercent(-1)
// waits for a running mark phase to end, and no cycle starts until it is
// turned back on, so nothing allocated meanwhile is finalized early. These
// calls happen when devices, buffers, pipelines and sequences are made,
// never in Sequence.Run. (A GOMEMLIMIT near the heap size or an explicit
// runtime.GC elsewhere would still collect.)
var (
	gcMu    sync.Mutex
	gcDepth int
	gcSaved int
)

func withoutGC[T any](f func() (T, error)) (T, error) {
	gcMu.Lock()
	if gcDepth == 0 {
		gcSaved = debug.SetGCPercent(-1)
	}
	gcDepth++
	gcMu.Unlock()
	defer func() {
		gcMu.Lock()
		gcDepth--
		if gcDepth == 0 {
			debug.SetGCPercent(gcSaved)
		}
		gcMu.Unlock()
	}()
	return f()
}
