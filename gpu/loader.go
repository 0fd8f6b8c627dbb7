//go:build cgo && linux

package gpu

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Only the few Vulkan 1.1-1.3 structures vulkan-go (a Vulkan 1.0 binding)
// lacks are declared here, field for field as in vulkan_core.h.
typedef uint32_t fpBool;
typedef void* (*fpGIPA)(void* instance, const char* name);
typedef void (*fpGetFeatures2)(void* pd, void* features2);
typedef void (*fpGetProperties2)(void* pd, void* properties2);
typedef int32_t (*fpEnumInstanceVersion)(uint32_t* version);

typedef struct { int32_t sType; void* pNext; } fpBase;
typedef struct { int32_t sType; void* pNext; fpBool f[55]; } fpFeatures2;
typedef struct { int32_t sType; void* pNext; uint64_t props[128]; } fpProperties2; // VkPhysicalDeviceProperties is 824 bytes
typedef struct { int32_t sType; void* pNext; fpBool storageBuffer16BitAccess, uniformAndStorageBuffer16BitAccess, storagePushConstant16, storageInputOutput16; } fp16BitStorage;
typedef struct { int32_t sType; void* pNext; fpBool shaderFloat16, shaderInt8; } fpFloat16Int8;
typedef struct { int32_t sType; void* pNext; fpBool storageBuffer8BitAccess, uniformAndStorageBuffer8BitAccess, storagePushConstant8; } fp8BitStorage;
typedef struct { int32_t sType; void* pNext; fpBool shaderIntegerDotProduct; } fpDotFeatures;
typedef struct { int32_t sType; void* pNext; fpBool accel[30]; } fpDotProperties;
typedef struct { int32_t sType; void* pNext; uint32_t subgroupSize, supportedStages, supportedOperations; fpBool quadOperationsInAllStages; } fpSubgroupProperties;
typedef struct { int32_t sType; void* pNext; uint32_t minSubgroupSize, maxSubgroupSize, maxComputeWorkgroupSubgroups, requiredSubgroupSizeStages; } fpSubgroupSizeControl;
typedef struct { int32_t sType; void* pNext; int32_t driverID; char driverName[256]; char driverInfo[256]; uint8_t conformance[4]; } fpDriverProperties;

enum {
	ST_FEATURES2 = 1000059000, ST_PROPERTIES2 = 1000059001,
	ST_16BIT = 1000083000, ST_F16I8 = 1000082000, ST_8BIT = 1000177000,
	ST_DOT_F = 1000280000, ST_DOT_P = 1000280001,
	ST_SUBGROUP = 1000094000, ST_SUBGROUP_SIZE = 1000225000, ST_DRIVER = 1000196000,
};

// What fpQuery reports; filled from Go-allocated memory (no pointers).
typedef struct {
	fpBool shaderInt16, sb16, ubsb16, shaderFloat16, shaderInt8, sb8, dot, dotAccel4x8;
	uint32_t subgroupSize, subgroupOps, minSubgroup, maxSubgroup;
	int32_t driverID;
	char driverName[256], driverInfo[256];
} fpCaps;

// Which structures the device knows (by its API version or extensions).
enum { HAS_16BIT = 1, HAS_F16I8 = 2, HAS_8BIT = 4, HAS_DOT = 8, HAS_SUBGROUP = 16, HAS_SIZECTL = 32, HAS_DRIVER = 64 };

static void* fpLib;
static fpGIPA fpGetProc;

static const char* fpLoad(const char* path) {
	if (fpGetProc) return NULL;
	if (path) {
		fpLib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	} else {
		fpLib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
		if (!fpLib) fpLib = dlopen("libvulkan.so", RTLD_NOW | RTLD_LOCAL);
	}
	if (!fpLib) {
		const char* e = dlerror();
		return e ? e : "dlopen libvulkan.so.1 failed";
	}
	fpGetProc = (fpGIPA)dlsym(fpLib, "vkGetInstanceProcAddr");
	if (!fpGetProc) return "libvulkan.so.1 has no vkGetInstanceProcAddr";
	return NULL;
}

static void* fpGetProcAddr(void) { return (void*)fpGetProc; }

static uint32_t fpInstanceVersion(void) {
	fpEnumInstanceVersion f = (fpEnumInstanceVersion)fpGetProc(NULL, "vkEnumerateInstanceVersion");
	uint32_t v = 1u << 22; // 1.0.0
	if (f && f(&v) != 0) v = 1u << 22;
	return v;
}

static int fpQuery(void* instance, void* pd, int has, fpCaps* out) {
	fpGetFeatures2 gf = (fpGetFeatures2)fpGetProc(instance, "vkGetPhysicalDeviceFeatures2");
	if (!gf) gf = (fpGetFeatures2)fpGetProc(instance, "vkGetPhysicalDeviceFeatures2KHR");
	fpGetProperties2 gp = (fpGetProperties2)fpGetProc(instance, "vkGetPhysicalDeviceProperties2");
	if (!gp) gp = (fpGetProperties2)fpGetProc(instance, "vkGetPhysicalDeviceProperties2KHR");
	if (!gf || !gp) return -1;

	fpFeatures2 f2; fp16BitStorage s16; fpFloat16Int8 fi; fp8BitStorage s8; fpDotFeatures df;
	memset(&f2, 0, sizeof f2); memset(&s16, 0, sizeof s16); memset(&fi, 0, sizeof fi);
	memset(&s8, 0, sizeof s8); memset(&df, 0, sizeof df);
	f2.sType = ST_FEATURES2; s16.sType = ST_16BIT; fi.sType = ST_F16I8; s8.sType = ST_8BIT; df.sType = ST_DOT_F;
	void** next = &f2.pNext;
	if (has & HAS_16BIT) { *next = &s16; next = &s16.pNext; }
	if (has & HAS_F16I8) { *next = &fi; next = &fi.pNext; }
	if (has & HAS_8BIT) { *next = &s8; next = &s8.pNext; }
	if (has & HAS_DOT) { *next = &df; next = &df.pNext; }
	gf(pd, &f2);
	out->shaderInt16 = f2.f[41]; // VkPhysicalDeviceFeatures.shaderInt16
	out->sb16 = s16.storageBuffer16BitAccess;
	out->ubsb16 = s16.uniformAndStorageBuffer16BitAccess;
	out->shaderFloat16 = fi.shaderFloat16;
	out->shaderInt8 = fi.shaderInt8;
	out->sb8 = s8.storageBuffer8BitAccess;
	out->dot = df.shaderIntegerDotProduct;

	fpProperties2 p2; fpSubgroupProperties sg; fpSubgroupSizeControl sc; fpDriverProperties dp; fpDotProperties dotp;
	memset(&p2, 0, sizeof p2); memset(&sg, 0, sizeof sg); memset(&sc, 0, sizeof sc);
	memset(&dp, 0, sizeof dp); memset(&dotp, 0, sizeof dotp);
	p2.sType = ST_PROPERTIES2; sg.sType = ST_SUBGROUP; sc.sType = ST_SUBGROUP_SIZE; dp.sType = ST_DRIVER; dotp.sType = ST_DOT_P;
	next = &p2.pNext;
	if (has & HAS_SUBGROUP) { *next = &sg; next = &sg.pNext; }
	if (has & HAS_SIZECTL) { *next = &sc; next = &sc.pNext; }
	if (has & HAS_DRIVER) { *next = &dp; next = &dp.pNext; }
	if (has & HAS_DOT) { *next = &dotp; next = &dotp.pNext; }
	gp(pd, &p2);
	out->subgroupSize = sg.subgroupSize;
	out->subgroupOps = sg.supportedOperations;
	out->minSubgroup = sc.minSubgroupSize;
	out->maxSubgroup = sc.maxSubgroupSize;
	out->driverID = dp.driverID;
	memcpy(out->driverName, dp.driverName, 256);
	memcpy(out->driverInfo, dp.driverInfo, 256);
	out->dotAccel4x8 = dotp.accel[4]; // integerDotProduct4x8BitPackedSignedAccelerated
	return 0;
}

// fpFeatureChain builds, in C memory, the VkPhysicalDeviceFeatures2 chain
// that enables the given features at vkCreateDevice; free with fpFreeChain.
static void* fpFeatureChain(int has, fpBool shaderInt16, fpBool sb16, fpBool f16, fpBool i8, fpBool sb8) {
	fpFeatures2* f2 = calloc(1, sizeof(fpFeatures2));
	fp16BitStorage* s16 = calloc(1, sizeof(fp16BitStorage));
	fpFloat16Int8* fi = calloc(1, sizeof(fpFloat16Int8));
	fp8BitStorage* s8 = calloc(1, sizeof(fp8BitStorage));
	f2->sType = ST_FEATURES2; s16->sType = ST_16BIT; fi->sType = ST_F16I8; s8->sType = ST_8BIT;
	f2->f[41] = shaderInt16;
	s16->storageBuffer16BitAccess = sb16;
	fi->shaderFloat16 = f16; fi->shaderInt8 = i8;
	s8->storageBuffer8BitAccess = sb8;
	void** next = &f2->pNext;
	if (has & HAS_16BIT) { *next = s16; next = &s16->pNext; }
	if (has & HAS_F16I8) { *next = fi; next = &fi->pNext; }
	if (has & HAS_8BIT) { *next = s8; next = &s8->pNext; }
	(void)next;
	return f2;
}

// fpCreateComputePipeline builds the create-info structures on the C
// stack (vulkan-go's conversions of nested structures proved unsafe: see
// nogc.go) and creates one compute pipeline with entry point "main" and
// n 32-bit specialization constants (ids 0..n-1).
typedef struct { uint32_t constantID, offset; size_t size; } fpSpecEntry;
typedef struct { uint32_t mapEntryCount; const fpSpecEntry* pMapEntries; size_t dataSize; const void* pData; } fpSpecInfo;
typedef struct {
	int32_t sType; const void* pNext; uint32_t flags; uint32_t stage;
	uint64_t module; const char* pName; const fpSpecInfo* pSpecializationInfo;
} fpStageInfo;
typedef struct {
	int32_t sType; const void* pNext; uint32_t flags; fpStageInfo stage;
	uint64_t layout; uint64_t basePipelineHandle; int32_t basePipelineIndex;
} fpComputeInfo;
typedef int32_t (*fpCreateComputePipelinesFn)(void* dev, uint64_t cache, uint32_t n, const fpComputeInfo* infos, const void* alloc, uint64_t* out);
static fpCreateComputePipelinesFn fpCreateComputePipelines;

static int32_t fpCreatePipeline(void* dev, uint64_t module, uint64_t layout, const uint32_t* spec, uint32_t n, uint64_t* out) {
	fpSpecEntry entries[64];
	if (n > 64) return -13; // VK_ERROR_UNKNOWN
	for (uint32_t i = 0; i < n; i++) { entries[i].constantID = i; entries[i].offset = 4 * i; entries[i].size = 4; }
	fpSpecInfo si = { n, entries, 4 * (size_t)n, spec };
	fpComputeInfo ci;
	memset(&ci, 0, sizeof ci);
	ci.sType = 29; // VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
	ci.stage.sType = 18; // VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
	ci.stage.stage = 0x20; // VK_SHADER_STAGE_COMPUTE_BIT
	ci.stage.module = module;
	ci.stage.pName = "main";
	ci.stage.pSpecializationInfo = n > 0 ? &si : NULL;
	ci.layout = layout;
	ci.basePipelineIndex = -1;
	return fpCreateComputePipelines(dev, 0, 1, &ci, NULL, out);
}

// Submission and waiting without vulkan-go's per-call conversions, so that
// running a recorded sequence allocates nothing.
typedef struct {
	int32_t sType; const void* pNext;
	uint32_t waitSemaphoreCount; const void* pWaitSemaphores; const void* pWaitDstStageMask;
	uint32_t commandBufferCount; const void* pCommandBuffers;
	uint32_t signalSemaphoreCount; const void* pSignalSemaphores;
} fpSubmitInfo;
typedef int32_t (*fpQueueSubmitFn)(void* queue, uint32_t n, const fpSubmitInfo* s, uint64_t fence);
typedef int32_t (*fpWaitForFencesFn)(void* dev, uint32_t n, const uint64_t* fences, uint32_t all, uint64_t timeout);
typedef int32_t (*fpResetFencesFn)(void* dev, uint32_t n, const uint64_t* fences);
static fpQueueSubmitFn fpQueueSubmit;
static fpWaitForFencesFn fpWaitForFences;
static fpResetFencesFn fpResetFences;

static int fpInitSubmit(void* instance) {
	fpQueueSubmit = (fpQueueSubmitFn)fpGetProc(instance, "vkQueueSubmit");
	fpWaitForFences = (fpWaitForFencesFn)fpGetProc(instance, "vkWaitForFences");
	fpResetFences = (fpResetFencesFn)fpGetProc(instance, "vkResetFences");
	fpCreateComputePipelines = (fpCreateComputePipelinesFn)fpGetProc(instance, "vkCreateComputePipelines");
	return fpQueueSubmit && fpWaitForFences && fpResetFences && fpCreateComputePipelines ? 0 : -1;
}

// fpSubmitWait submits one command buffer, waits for the fence and resets
// it; it returns the first failing VkResult, or 0.
static int32_t fpSubmitWait(void* dev, void* queue, void* cb, uint64_t fence) {
	fpSubmitInfo si;
	memset(&si, 0, sizeof si);
	si.sType = 4; // VK_STRUCTURE_TYPE_SUBMIT_INFO
	si.commandBufferCount = 1;
	si.pCommandBuffers = &cb;
	int32_t r = fpQueueSubmit(queue, 1, &si, fence);
	if (r != 0) return r;
	r = fpWaitForFences(dev, 1, &fence, 1, UINT64_MAX);
	int32_t r2 = fpResetFences(dev, 1, &fence);
	return r != 0 ? r : r2;
}

static void fpFreeChain(void* p) {
	fpFeatures2* f2 = p;
	fpBase* b = f2->pNext;
	while (b) { fpBase* n = b->pNext; free(b); b = n; }
	free(f2);
}
*/
import "C"

import (
	"os"
	"sync"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// The loader is opened once per process.
var (
	loadOnce sync.Once
	loadErr  error
)

// load opens libvulkan.so.1 (or the file named by $FP16TOOL_VULKAN_LOADER) and hands vkGetInstanceProcAddr to vulkan-go
// (whose own loader wants the unversioned libvulkan.so of -dev packages).
func load() error {
	loadOnce.Do(func() {
		var path *C.char
		if p := os.Getenv(LoaderEnv); p != "" {
			path = C.CString(p)
			defer C.free(unsafe.Pointer(path))
		}
		if msg := C.fpLoad(path); msg != nil {
			loadErr = noVulkan("cannot load the Vulkan loader: %s; %s", C.GoString(msg), InstallHint)
			return
		}
		vk.SetGetInstanceProcAddr(C.fpGetProcAddr())
		if err := vk.Init(); err != nil {
			loadErr = noVulkan("cannot initialize the Vulkan loader: %v", err)
		}
	})
	return loadErr
}

func instanceVersion() uint32 { return uint32(C.fpInstanceVersion()) }

// Structures a device knows, as fpQuery's has bits.
const (
	has16Bit    = C.HAS_16BIT
	hasF16I8    = C.HAS_F16I8
	has8Bit     = C.HAS_8BIT
	hasDot      = C.HAS_DOT
	hasSubgroup = C.HAS_SUBGROUP
	hasSizeCtl  = C.HAS_SIZECTL
	hasDriver   = C.HAS_DRIVER
)

type caps struct {
	shaderInt16, sb16, shaderFloat16, shaderInt8, sb8, dot, dotAccel bool
	subgroupSize, subgroupOps, minSubgroup, maxSubgroup              uint32
	driverName, driverInfo                                           string
}

// queryCaps calls vkGetPhysicalDeviceFeatures2/Properties2 with the chain
// of structures the device knows.
func queryCaps(inst vk.Instance, pd vk.PhysicalDevice, has int) (caps, bool) {
	var c C.fpCaps
	if C.fpQuery(unsafe.Pointer(inst), unsafe.Pointer(pd), C.int(has), &c) != 0 {
		return caps{}, false
	}
	return caps{
		shaderInt16:   c.shaderInt16 != 0,
		sb16:          c.sb16 != 0,
		shaderFloat16: c.shaderFloat16 != 0,
		shaderInt8:    c.shaderInt8 != 0,
		sb8:           c.sb8 != 0,
		dot:           c.dot != 0,
		dotAccel:      c.dotAccel4x8 != 0,
		subgroupSize:  uint32(c.subgroupSize),
		subgroupOps:   uint32(c.subgroupOps),
		minSubgroup:   uint32(c.minSubgroup),
		maxSubgroup:   uint32(c.maxSubgroup),
		driverName:    C.GoString(&c.driverName[0]),
		driverInfo:    C.GoString(&c.driverInfo[0]),
	}, true
}

func b32(b bool) C.fpBool {
	if b {
		return 1
	}
	return 0
}

// featureChain returns a C-allocated VkPhysicalDeviceFeatures2 chain
// enabling the features wanted; free it with freeChain.
func featureChain(has int, shaderInt16, sb16, f16, i8, sb8 bool) unsafe.Pointer {
	return C.fpFeatureChain(C.int(has), b32(shaderInt16), b32(sb16), b32(f16), b32(i8), b32(sb8))
}

func freeChain(p unsafe.Pointer) { C.fpFreeChain(p) }

func initSubmit(inst vk.Instance) bool { return C.fpInitSubmit(unsafe.Pointer(inst)) == 0 }

// submitWait submits cb, waits for fence and resets it, with no Go
// allocation.
func submitWait(dev vk.Device, q vk.Queue, cb vk.CommandBuffer, fence vk.Fence) vk.Result {
	return vk.Result(C.fpSubmitWait(unsafe.Pointer(dev), unsafe.Pointer(q), unsafe.Pointer(cb),
		*(*C.uint64_t)(unsafe.Pointer(&fence))))
}

// createPipeline creates a compute pipeline from module and layout with
// the 32-bit specialization constants spec (ids 0..len-1).
func createPipeline(dev vk.Device, module vk.ShaderModule, layout vk.PipelineLayout, spec []uint32) (vk.Pipeline, vk.Result) {
	var out C.uint64_t
	var sp *C.uint32_t
	if len(spec) > 0 {
		sp = (*C.uint32_t)(unsafe.Pointer(&spec[0]))
	}
	r := C.fpCreatePipeline(unsafe.Pointer(dev), *(*C.uint64_t)(unsafe.Pointer(&module)),
		*(*C.uint64_t)(unsafe.Pointer(&layout)), sp, C.uint32_t(len(spec)), &out)
	var p vk.Pipeline
	*(*C.uint64_t)(unsafe.Pointer(&p)) = out
	return p, vk.Result(r)
}
