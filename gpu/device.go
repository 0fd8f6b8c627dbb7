//go:build cgo && linux

package gpu

import (
	"fmt"
	"sync"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// One Vulkan instance per process, created on first use.
var (
	instOnce sync.Once
	inst     vk.Instance
	instAPI  uint32
	instErr  error
)

func instance() (vk.Instance, error) {
	if err := load(); err != nil {
		return nil, err
	}
	instOnce.Do(func() {
		instAPI = instanceVersion()
		api := instAPI
		if api > vk.MakeVersion(1, 3, 0) {
			api = vk.MakeVersion(1, 3, 0)
		}
		var exts []string
		if instAPI < vk.MakeVersion(1, 1, 0) {
			exts = append(exts, "VK_KHR_get_physical_device_properties2\x00")
		}
		info := &vk.InstanceCreateInfo{
			SType: vk.StructureTypeInstanceCreateInfo,
			PApplicationInfo: &vk.ApplicationInfo{
				SType:              vk.StructureTypeApplicationInfo,
				PApplicationName:   "fp16tool\x00",
				ApplicationVersion: vk.MakeVersion(0, 1, 0),
				PEngineName:        "fp16tool\x00",
				EngineVersion:      vk.MakeVersion(0, 1, 0),
				ApiVersion:         api,
			},
			EnabledExtensionCount:   uint32(len(exts)),
			PpEnabledExtensionNames: exts,
		}
		var in vk.Instance
		if r := vk.CreateInstance(info, nil, &in); r != vk.Success {
			instErr = noVulkan("vkCreateInstance: %v", vk.Error(r))
			if r == vk.ErrorIncompatibleDriver {
				instErr = noVulkan("the Vulkan loader found no driver (vkCreateInstance: %v); %s", vk.Error(r), InstallHint)
			}
			return
		}
		if err := vk.InitInstance(in); err != nil {
			instErr = noVulkan("loading instance functions: %v", err)
			return
		}
		if !initSubmit(in) {
			instErr = noVulkan("the Vulkan loader lacks vkQueueSubmit, vkWaitForFences or vkResetFences")
			return
		}
		inst = in
	})
	return inst, instErr
}

// physical is a probed physical device.
type physical struct {
	pd      vk.PhysicalDevice
	info    DeviceInfo
	has     int             // structures it knows (has* bits)
	exts    map[string]bool // device extensions
	api     uint32
	memory  vk.PhysicalDeviceMemoryProperties
	family  uint32 // compute queue family
	tsValid bool   // that family has timestamps
}

func physicalDevices() ([]*physical, error) { return withoutGC(physicalDevicesGC) }

func physicalDevicesGC() ([]*physical, error) {
	in, err := instance()
	if err != nil {
		return nil, err
	}
	var n uint32
	if r := vk.EnumeratePhysicalDevices(in, &n, nil); r != vk.Success {
		return nil, noVulkan("vkEnumeratePhysicalDevices: %v", vk.Error(r))
	}
	if n == 0 {
		return nil, noVulkan("the Vulkan loader found no device; %s", InstallHint)
	}
	pds := make([]vk.PhysicalDevice, n)
	if r := vk.EnumeratePhysicalDevices(in, &n, pds); r != vk.Success {
		return nil, noVulkan("vkEnumeratePhysicalDevices: %v", vk.Error(r))
	}
	var out []*physical
	for i, pd := range pds[:n] {
		p, err := probe(in, i, pd)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func ver(v uint32) string { return fmt.Sprintf("%d.%d.%d", v>>22, v>>12&0x3ff, v&0xfff) }

func probe(in vk.Instance, index int, pd vk.PhysicalDevice) (*physical, error) {
	p := &physical{pd: pd, exts: map[string]bool{}}
	var props vk.PhysicalDeviceProperties
	vk.GetPhysicalDeviceProperties(pd, &props)
	props.Deref()
	props.Limits.Deref()
	p.api = props.ApiVersion
	lim := props.Limits
	info := &p.info
	info.Index = index
	info.Name = vk.ToString(props.DeviceName[:])
	info.VendorID, info.DeviceID = props.VendorID, props.DeviceID
	info.APIVersion = ver(props.ApiVersion)
	info.Type = map[vk.PhysicalDeviceType]string{
		vk.PhysicalDeviceTypeDiscreteGpu:   "discrete",
		vk.PhysicalDeviceTypeIntegratedGpu: "integrated",
		vk.PhysicalDeviceTypeVirtualGpu:    "virtual",
		vk.PhysicalDeviceTypeCpu:           "cpu",
	}[props.DeviceType]
	if info.Type == "" {
		info.Type = "other"
	}
	info.Limits = Limits{
		MaxComputeWorkGroupCount:       lim.MaxComputeWorkGroupCount,
		MaxComputeWorkGroupSize:        lim.MaxComputeWorkGroupSize,
		MaxComputeWorkGroupInvocations: lim.MaxComputeWorkGroupInvocations,
		MaxComputeSharedMemorySize:     lim.MaxComputeSharedMemorySize,
		MaxStorageBufferRange:          lim.MaxStorageBufferRange,
		MaxPushConstantsSize:           lim.MaxPushConstantsSize,
		MaxBoundDescriptorSets:         lim.MaxBoundDescriptorSets,
		MinStorageBufferOffsetAlign:    uint64(lim.MinStorageBufferOffsetAlignment),
	}

	var n uint32
	vk.EnumerateDeviceExtensionProperties(pd, "", &n, nil)
	if n > 0 {
		eps := make([]vk.ExtensionProperties, n)
		vk.EnumerateDeviceExtensionProperties(pd, "", &n, eps)
		for _, e := range eps[:n] {
			e.Deref()
			p.exts[vk.ToString(e.ExtensionName[:])] = true
		}
	}
	atLeast := func(minor uint32, ext string) bool {
		return p.api >= vk.MakeVersion(1, int(minor), 0) || p.exts[ext]
	}
	if atLeast(1, "VK_KHR_16bit_storage") {
		p.has |= has16Bit
	}
	if atLeast(2, "VK_KHR_shader_float16_int8") {
		p.has |= hasF16I8
	}
	if atLeast(2, "VK_KHR_8bit_storage") {
		p.has |= has8Bit
	}
	if atLeast(3, "VK_KHR_shader_integer_dot_product") {
		p.has |= hasDot
	}
	if p.api >= vk.MakeVersion(1, 1, 0) {
		p.has |= hasSubgroup
	}
	if atLeast(3, "VK_EXT_subgroup_size_control") {
		p.has |= hasSizeCtl
	}
	if atLeast(2, "VK_KHR_driver_properties") {
		p.has |= hasDriver
	}
	// Features2/Properties2 need Vulkan 1.1 or the instance extension,
	// which instance() enables when the loader is 1.0.
	c, ok := queryCaps(in, pd, p.has)
	if !ok {
		p.has = 0
	}
	info.ShaderFloat16, info.ShaderInt8, info.ShaderInt16 = c.shaderFloat16, c.shaderInt8, c.shaderInt16
	info.StorageBuffer16BitAccess, info.StorageBuffer8BitAccess = c.sb16, c.sb8
	info.IntegerDotProduct, info.IntegerDotProduct4x8Accel = c.dot, c.dotAccel
	info.SubgroupSize, info.MinSubgroupSize, info.MaxSubgroupSize = c.subgroupSize, c.minSubgroup, c.maxSubgroup
	const subgroupArithmeticBit = 4 // VK_SUBGROUP_FEATURE_ARITHMETIC_BIT
	info.SubgroupArithmetic = c.subgroupOps&subgroupArithmeticBit != 0
	info.Driver, info.DriverInfo = c.driverName, c.driverInfo
	if info.Driver == "" {
		info.Driver = fmt.Sprintf("driver version 0x%x", props.DriverVersion)
	}

	vk.GetPhysicalDeviceMemoryProperties(pd, &p.memory)
	p.memory.Deref()
	for i := range p.memory.MemoryHeapCount {
		h := p.memory.MemoryHeaps[i]
		h.Deref()
		info.Heaps = append(info.Heaps, Heap{
			Size:        uint64(h.Size),
			DeviceLocal: vk.MemoryHeapFlagBits(h.Flags)&vk.MemoryHeapDeviceLocalBit != 0,
		})
	}
	for i := range p.memory.MemoryTypeCount {
		t := &p.memory.MemoryTypes[i]
		t.Deref()
		if vk.MemoryPropertyFlagBits(t.PropertyFlags)&vk.MemoryPropertyHostVisibleBit != 0 && int(t.HeapIndex) < len(info.Heaps) {
			info.Heaps[t.HeapIndex].HostVisible = true
		}
	}

	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &n, nil)
	fams := make([]vk.QueueFamilyProperties, n)
	vk.GetPhysicalDeviceQueueFamilyProperties(pd, &n, fams)
	best := -1
	for i, f := range fams[:n] {
		f.Deref()
		if vk.QueueFlagBits(f.QueueFlags)&vk.QueueComputeBit == 0 {
			continue
		}
		ts := f.TimestampValidBits > 0
		if best < 0 || (ts && !p.tsValid) {
			best, p.tsValid = i, ts
		}
	}
	if best < 0 {
		return nil, noVulkan("device %d (%s) has no compute queue", index, info.Name)
	}
	p.family = uint32(best)
	if p.tsValid {
		info.Limits.TimestampPeriod = lim.TimestampPeriod
	}
	return p, nil
}

// Devices lists the Vulkan devices with their capabilities. The error
// wraps ErrNoVulkan when there is no loader or no device.
func Devices() ([]DeviceInfo, error) {
	ps, err := physicalDevices()
	if err != nil {
		return nil, err
	}
	out := make([]DeviceInfo, len(ps))
	for i, p := range ps {
		out[i] = p.info
	}
	return out, nil
}

// Device is an open logical device with one compute queue. A Device is not
// safe for concurrent use.
type Device struct {
	info     DeviceInfo
	p        *physical
	dev      vk.Device
	queue    vk.Queue
	cmdPool  vk.CommandPool
	fence    vk.Fence
	staging  bool
	closed   bool
	children int // live buffers, pipelines and sequences
}

var typeRank = map[string]int{"discrete": 0, "integrated": 1, "virtual": 2, "other": 3, "cpu": 4}

// Open opens a device: opts.Index, or the best one when it is negative.
// It enables shaderFloat16, 16-bit storage, int8 and 8-bit storage where
// the device has them. The error wraps ErrNoVulkan when there is no loader
// or no device.
func Open(opts Options) (*Device, error) {
	ps, err := physicalDevices()
	if err != nil {
		return nil, err
	}
	return withoutGC(func() (*Device, error) { return openDevice(ps, opts) })
}

func openDevice(ps []*physical, opts Options) (*Device, error) {
	var p *physical
	if opts.Index >= 0 {
		if opts.Index >= len(ps) {
			return nil, fmt.Errorf("gpu: no Vulkan device %d (there are %d)", opts.Index, len(ps))
		}
		p = ps[opts.Index]
	} else {
		for _, q := range ps {
			if p == nil || typeRank[q.info.Type] < typeRank[p.info.Type] {
				p = q
			}
		}
	}
	var exts []string
	want := func(minor int, ext string) {
		if p.api < vk.MakeVersion(1, minor, 0) && p.exts[ext] {
			exts = append(exts, ext+"\x00")
		}
	}
	want(1, "VK_KHR_storage_buffer_storage_class")
	want(1, "VK_KHR_16bit_storage")
	want(2, "VK_KHR_shader_float16_int8")
	want(2, "VK_KHR_8bit_storage")
	i := &p.info
	var chain unsafe.Pointer
	if p.has != 0 {
		chain = featureChain(p.has, i.ShaderInt16, i.StorageBuffer16BitAccess, i.ShaderFloat16, i.ShaderInt8, i.StorageBuffer8BitAccess)
		defer freeChain(chain)
	}
	info := &vk.DeviceCreateInfo{
		SType:                vk.StructureTypeDeviceCreateInfo,
		PNext:                chain,
		QueueCreateInfoCount: 1,
		PQueueCreateInfos: []vk.DeviceQueueCreateInfo{{
			SType:            vk.StructureTypeDeviceQueueCreateInfo,
			QueueFamilyIndex: p.family,
			QueueCount:       1,
			PQueuePriorities: []float32{1},
		}},
		EnabledExtensionCount:   uint32(len(exts)),
		PpEnabledExtensionNames: exts,
	}
	d := &Device{info: p.info, p: p, staging: opts.ForceStaging}
	var dev vk.Device // out-parameters are locals: cgocheck rejects fields of structs holding Go pointers
	if r := vk.CreateDevice(p.pd, info, nil, &dev); r != vk.Success {
		return nil, fmt.Errorf("gpu: vkCreateDevice on %s: %w", p.info.Name, vk.Error(r))
	}
	d.dev = dev
	var q vk.Queue
	vk.GetDeviceQueue(d.dev, p.family, 0, &q)
	d.queue = q
	var pool vk.CommandPool
	if r := vk.CreateCommandPool(d.dev, &vk.CommandPoolCreateInfo{
		SType:            vk.StructureTypeCommandPoolCreateInfo,
		Flags:            vk.CommandPoolCreateFlags(vk.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: p.family,
	}, nil, &pool); r != vk.Success {
		vk.DestroyDevice(d.dev, nil)
		return nil, fmt.Errorf("gpu: vkCreateCommandPool: %w", vk.Error(r))
	}
	d.cmdPool = pool
	var f vk.Fence
	if r := vk.CreateFence(d.dev, &vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo}, nil, &f); r != vk.Success {
		vk.DestroyCommandPool(d.dev, pool, nil)
		vk.DestroyDevice(d.dev, nil)
		return nil, fmt.Errorf("gpu: vkCreateFence: %w", vk.Error(r))
	}
	d.fence = f
	return d, nil
}

// Info returns what the device reports about itself.
func (d *Device) Info() DeviceInfo { return d.info }

// Close destroys the device. Buffers, pipelines and sequences made from it
// must be closed first.
func (d *Device) Close() error {
	if d == nil || d.closed {
		return nil
	}
	if d.children != 0 {
		return fmt.Errorf("gpu: closing device %s with %d buffers, pipelines or sequences still open", d.info.Name, d.children)
	}
	d.closed = true
	vk.DeviceWaitIdle(d.dev)
	vk.DestroyFence(d.dev, d.fence, nil)
	vk.DestroyCommandPool(d.dev, d.cmdPool, nil)
	vk.DestroyDevice(d.dev, nil)
	return nil
}

// submit runs a recorded command buffer and waits for it.
func (d *Device) submit(cb vk.CommandBuffer) error {
	if r := submitWait(d.dev, d.queue, cb, d.fence); r != vk.Success {
		return fmt.Errorf("gpu: submitting to %s: %w", d.info.Name, vk.Error(r))
	}
	return nil
}

// oneShot records f into a fresh command buffer, submits it and waits.
func (d *Device) oneShot(f func(cb vk.CommandBuffer)) error {
	_, err := withoutGC(func() (struct{}, error) { return struct{}{}, d.oneShotGC(f) })
	return err
}

func (d *Device) oneShotGC(f func(cb vk.CommandBuffer)) error {
	cbs := make([]vk.CommandBuffer, 1)
	if r := vk.AllocateCommandBuffers(d.dev, &vk.CommandBufferAllocateInfo{
		SType:              vk.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        d.cmdPool,
		Level:              vk.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}, cbs); r != vk.Success {
		return fmt.Errorf("gpu: vkAllocateCommandBuffers: %w", vk.Error(r))
	}
	defer vk.FreeCommandBuffers(d.dev, d.cmdPool, 1, cbs)
	cb := cbs[0]
	if r := vk.BeginCommandBuffer(cb, &vk.CommandBufferBeginInfo{
		SType: vk.StructureTypeCommandBufferBeginInfo,
		Flags: vk.CommandBufferUsageFlags(vk.CommandBufferUsageOneTimeSubmitBit),
	}); r != vk.Success {
		return fmt.Errorf("gpu: vkBeginCommandBuffer: %w", vk.Error(r))
	}
	f(cb)
	if r := vk.EndCommandBuffer(cb); r != vk.Success {
		return fmt.Errorf("gpu: vkEndCommandBuffer: %w", vk.Error(r))
	}
	return d.submit(cb)
}

// memoryType finds a memory type allowed by bits with all of want.
func (d *Device) memoryType(bits uint32, want vk.MemoryPropertyFlagBits) (uint32, bool) {
	for i := range d.p.memory.MemoryTypeCount {
		if bits&(1<<i) == 0 {
			continue
		}
		if vk.MemoryPropertyFlagBits(d.p.memory.MemoryTypes[i].PropertyFlags)&want == want {
			return i, true
		}
	}
	return 0, false
}
