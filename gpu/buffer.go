//go:build cgo && linux

package gpu

import (
	"fmt"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Buffer is a storage buffer in device memory. Where the memory is
// host-visible it stays mapped and Write/Read copy directly; otherwise
// they go through a staging buffer made on first use and kept.
type Buffer struct {
	d       *Device
	size    int
	buf     vk.Buffer
	mem     vk.DeviceMemory
	host    []byte  // the mapping, nil when device-only
	staging *Buffer // host-visible twin for device-only buffers
	closed  bool
	parent  *Buffer // the buffer a view is part of, nil for owners
	base    int     // a view's byte offset in its parent
}

const (
	hostMem   = vk.MemoryPropertyHostVisibleBit | vk.MemoryPropertyHostCoherentBit
	deviceMem = vk.MemoryPropertyDeviceLocalBit
)

// NewBuffer allocates a storage buffer of size bytes (rounded up to a
// multiple of 4). Its contents are undefined until written.
func (d *Device) NewBuffer(size int) (*Buffer, error) {
	if size < 0 {
		return nil, fmt.Errorf("gpu: buffer size %d is negative", size)
	}
	if d.staging {
		return d.newBuffer(size, deviceMem)
	}
	return d.newBuffer(size, 0)
}

// NewHostBuffer allocates a buffer in host-visible, coherent memory,
// always mapped (Bytes is never nil): for model inputs and outputs that a
// Sequence copies to and from device-local buffers.
func (d *Device) NewHostBuffer(size int) (*Buffer, error) {
	if size < 0 {
		return nil, fmt.Errorf("gpu: buffer size %d is negative", size)
	}
	return d.newBuffer(size, hostMem)
}

// newBuffer allocates with memory properties want; want 0 means device-local
// and host-visible if there is such memory, else device-local only, else
// host-visible only.
func (d *Device) newBuffer(size int, want vk.MemoryPropertyFlagBits) (*Buffer, error) {
	return withoutGC(func() (*Buffer, error) { return d.newBufferGC(size, want) })
}

func (d *Device) newBufferGC(size int, want vk.MemoryPropertyFlagBits) (*Buffer, error) {
	alloc := (size + 3) &^ 3
	if alloc == 0 {
		alloc = 4
	}
	b := &Buffer{d: d, size: size}
	var buf vk.Buffer
	var mem vk.DeviceMemory
	if r := vk.CreateBuffer(d.dev, &vk.BufferCreateInfo{
		SType: vk.StructureTypeBufferCreateInfo,
		Size:  vk.DeviceSize(alloc),
		Usage: vk.BufferUsageFlags(vk.BufferUsageStorageBufferBit | vk.BufferUsageTransferSrcBit |
			vk.BufferUsageTransferDstBit),
		SharingMode: vk.SharingModeExclusive,
	}, nil, &buf); r != vk.Success {
		return nil, fmt.Errorf("gpu: vkCreateBuffer(%d bytes): %w", alloc, vk.Error(r))
	}
	b.buf = buf
	var req vk.MemoryRequirements
	vk.GetBufferMemoryRequirements(d.dev, b.buf, &req)
	req.Deref()
	var idx uint32
	ok := false
	if want != 0 {
		idx, ok = d.memoryType(req.MemoryTypeBits, want)
	} else {
		for _, w := range []vk.MemoryPropertyFlagBits{deviceMem | hostMem, deviceMem, hostMem} {
			if idx, ok = d.memoryType(req.MemoryTypeBits, w); ok {
				break
			}
		}
	}
	if !ok {
		vk.DestroyBuffer(d.dev, b.buf, nil)
		return nil, fmt.Errorf("gpu: no memory type for a %d-byte buffer on %s", alloc, d.info.Name)
	}
	if r := vk.AllocateMemory(d.dev, &vk.MemoryAllocateInfo{
		SType:           vk.StructureTypeMemoryAllocateInfo,
		AllocationSize:  req.Size,
		MemoryTypeIndex: idx,
	}, nil, &mem); r != vk.Success {
		vk.DestroyBuffer(d.dev, b.buf, nil)
		return nil, fmt.Errorf("gpu: vkAllocateMemory(%d bytes): %w", req.Size, vk.Error(r))
	}
	b.mem = mem
	if r := vk.BindBufferMemory(d.dev, b.buf, b.mem, 0); r != vk.Success {
		b.destroy()
		return nil, fmt.Errorf("gpu: vkBindBufferMemory: %w", vk.Error(r))
	}
	if vk.MemoryPropertyFlagBits(d.p.memory.MemoryTypes[idx].PropertyFlags)&hostMem == hostMem && (!d.staging || want == hostMem) {
		var p unsafe.Pointer
		if r := vk.MapMemory(d.dev, b.mem, 0, vk.DeviceSize(alloc), 0, &p); r != vk.Success {
			b.destroy()
			return nil, fmt.Errorf("gpu: vkMapMemory: %w", vk.Error(r))
		}
		b.host = unsafe.Slice((*byte)(p), alloc)
	}
	d.children++
	return b, nil
}

func (b *Buffer) destroy() {
	if b.host != nil {
		vk.UnmapMemory(b.d.dev, b.mem)
		b.host = nil
	}
	vk.DestroyBuffer(b.d.dev, b.buf, nil)
	vk.FreeMemory(b.d.dev, b.mem, nil)
}

// Size is the size in bytes asked for at NewBuffer.
func (b *Buffer) Size() int { return b.size }

// Bytes returns the buffer's mapped memory, or nil when it is not mapped.
// Writes through it are seen by the next Sequence.Run, and what a run
// wrote is there once Run returns; the slice is valid until Close.
func (b *Buffer) Bytes() []byte {
	if b.host == nil {
		return nil
	}
	return b.host[:b.size:b.size]
}

// Mapped reports whether the buffer's memory is mapped directly (no
// staging copies).
func (b *Buffer) Mapped() bool { return b.host != nil }

// View returns the bytes [off, off+size) of b as a buffer of its own (for
// tensors sub-allocated from one arena). off must be a multiple of the
// device's MinStorageBufferOffsetAlign. A view shares b's memory, needs no
// Close and must not be used after b is closed.
func (b *Buffer) View(off, size int) (*Buffer, error) {
	if err := b.check("view", off, size); err != nil {
		return nil, err
	}
	if b.parent != nil {
		return b.parent.View(b.base+off, size)
	}
	if align := int(b.d.info.Limits.MinStorageBufferOffsetAlign); align > 1 && off%align != 0 {
		return nil, fmt.Errorf("gpu: view at offset %d is not a multiple of the device's storage buffer alignment %d", off, align)
	}
	v := &Buffer{d: b.d, size: size, buf: b.buf, mem: b.mem, parent: b, base: off}
	if b.host != nil {
		v.host = b.host[off : off+size : off+size]
	}
	return v, nil
}

// Offset is a view's byte offset in the buffer it is part of (0 for a
// buffer from NewBuffer).
func (b *Buffer) Offset() int { return b.base }

func (b *Buffer) isClosed() bool {
	if b.parent != nil {
		return b.parent.closed
	}
	return b.closed
}

// descriptor is the range a descriptor set binds.
func (b *Buffer) descriptor() vk.DescriptorBufferInfo {
	if b.parent == nil {
		return vk.DescriptorBufferInfo{Buffer: b.buf, Range: vk.DeviceSize(vk.WholeSize)}
	}
	return vk.DescriptorBufferInfo{Buffer: b.buf, Offset: vk.DeviceSize(b.base), Range: vk.DeviceSize(max(b.size, 1))}
}

func (b *Buffer) check(op string, off, n int) error {
	if b.isClosed() {
		return fmt.Errorf("gpu: %s on a closed buffer", op)
	}
	if off < 0 || off+n > b.size {
		return fmt.Errorf("gpu: %s of %d bytes at offset %d is outside the %d-byte buffer", op, n, off, b.size)
	}
	return nil
}

func (b *Buffer) stage() (*Buffer, error) {
	if b.staging == nil {
		s, err := b.d.newBuffer(b.size, hostMem)
		if err != nil {
			return nil, fmt.Errorf("gpu: staging buffer: %w", err)
		}
		b.staging = s
	}
	return b.staging, nil
}

func (d *Device) copyBuffer(src, dst *Buffer, off, n int) error {
	return d.oneShot(func(cb vk.CommandBuffer) {
		vk.CmdCopyBuffer(cb, src.buf, dst.buf, 1, []vk.BufferCopy{{
			SrcOffset: vk.DeviceSize(off), DstOffset: vk.DeviceSize(off), Size: vk.DeviceSize(n),
		}})
	})
}

// Write copies src into the buffer at byte offset off. The device must be
// idle (no Sequence running).
func (b *Buffer) Write(off int, src []byte) error {
	if err := b.check("write", off, len(src)); err != nil || len(src) == 0 {
		return err
	}
	if b.host != nil {
		copy(b.host[off:], src)
		return nil
	}
	if b.parent != nil {
		return b.parent.Write(b.base+off, src)
	}
	s, err := b.stage()
	if err != nil {
		return err
	}
	copy(s.host[off:], src)
	return b.d.copyBuffer(s, b, off, len(src))
}

// Read copies len(dst) bytes from byte offset off of the buffer into dst.
// The device must be idle (no Sequence running).
func (b *Buffer) Read(off int, dst []byte) error {
	if err := b.check("read", off, len(dst)); err != nil || len(dst) == 0 {
		return err
	}
	if b.host != nil {
		copy(dst, b.host[off:])
		return nil
	}
	if b.parent != nil {
		return b.parent.Read(b.base+off, dst)
	}
	s, err := b.stage()
	if err != nil {
		return err
	}
	if err := b.d.copyBuffer(b, s, off, len(dst)); err != nil {
		return err
	}
	copy(dst, s.host[off:])
	return nil
}

// Close frees the buffer (and its staging buffer); on a view it does
// nothing.
func (b *Buffer) Close() error {
	if b == nil || b.closed || b.parent != nil {
		return nil
	}
	if b.staging != nil {
		b.staging.Close()
	}
	b.closed = true
	b.destroy()
	b.d.children--
	return nil
}
