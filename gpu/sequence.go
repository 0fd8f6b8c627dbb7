//go:build cgo && linux

package gpu

import (
	"fmt"
	"time"
	"unsafe"

	vk "github.com/vulkan-go/vulkan"
)

// Sequence is a list of dispatches recorded once into a command buffer and
// submitted as often as wanted, each dispatch waiting for the previous one.
// Its buffers and pipelines must outlive it. Add dispatches, then Run (the
// first Run records); after that the sequence is fixed.
type Sequence struct {
	d      *Device
	ops    []dispatch
	pool   vk.DescriptorPool
	cb     vk.CommandBuffer
	qp     vk.QueryPool
	ts     []uint64
	times  []time.Duration
	ready  bool
	closed bool
}

// dispatch is one command: a dispatch of p, or a copy (p nil) of n bytes
// from bufs[0] to bufs[1].
type dispatch struct {
	p      *Pipeline
	bufs   []*Buffer
	push   []byte
	groups [3]uint32
	n      int
}

// NewSequence starts an empty sequence.
func (d *Device) NewSequence() *Sequence {
	d.children++
	return &Sequence{d: d}
}

// Dispatch appends a dispatch of p over groups work groups (x, y, z), with
// bufs bound at bindings 0.. and push as its push constants (len(push) must
// be the pipeline's PushSize; push is copied).
func (s *Sequence) Dispatch(p *Pipeline, bufs []*Buffer, push []byte, x, y, z int) error {
	name := p.spec.Name
	switch {
	case s.closed:
		return fmt.Errorf("gpu: dispatch %s on a closed sequence", name)
	case s.ready:
		return fmt.Errorf("gpu: dispatch %s: the sequence is already recorded", name)
	case len(bufs) != p.spec.Buffers:
		return fmt.Errorf("gpu: dispatch %s: %d buffers bound, the pipeline has %d", name, len(bufs), p.spec.Buffers)
	case len(push) != p.spec.PushSize:
		return fmt.Errorf("gpu: dispatch %s: %d bytes of push constants, the pipeline takes %d", name, len(push), p.spec.PushSize)
	}
	lim := s.d.info.Limits.MaxComputeWorkGroupCount
	for i, n := range [3]int{x, y, z} {
		if n < 1 || uint32(n) > lim[i] {
			return fmt.Errorf("gpu: dispatch %s: %d work groups in dimension %d (the device allows 1..%d)", name, n, i, lim[i])
		}
	}
	for i, b := range bufs {
		if b == nil || b.isClosed() {
			return fmt.Errorf("gpu: dispatch %s: buffer %d is nil or closed", name, i)
		}
	}
	s.ops = append(s.ops, dispatch{p: p, bufs: append([]*Buffer(nil), bufs...),
		push: append([]byte(nil), push...), groups: [3]uint32{uint32(x), uint32(y), uint32(z)}})
	return nil
}

// Copy appends a copy of the first n bytes of src to dst (for staging
// inputs and outputs of device-local buffers inside the sequence).
func (s *Sequence) Copy(src, dst *Buffer, n int) error {
	switch {
	case s.closed:
		return fmt.Errorf("gpu: copy on a closed sequence")
	case s.ready:
		return fmt.Errorf("gpu: copy: the sequence is already recorded")
	case src == nil || dst == nil || src.isClosed() || dst.isClosed():
		return fmt.Errorf("gpu: copy: nil or closed buffer")
	case n < 1 || n > src.size || n > dst.size:
		return fmt.Errorf("gpu: copy of %d bytes from a %d-byte buffer to a %d-byte buffer", n, src.size, dst.size)
	}
	s.ops = append(s.ops, dispatch{bufs: []*Buffer{src, dst}, n: n})
	return nil
}

// Len is the number of commands (dispatches and copies).
func (s *Sequence) Len() int { return len(s.ops) }

func (s *Sequence) record() error {
	_, err := withoutGC(func() (struct{}, error) { return struct{}{}, s.recordGC() })
	return err
}

func (s *Sequence) recordGC() error {
	d := s.d
	if len(s.ops) == 0 {
		return fmt.Errorf("gpu: running an empty sequence")
	}
	nbuf, nsets := 0, 0
	for _, op := range s.ops {
		if op.p != nil {
			nbuf += len(op.bufs)
			nsets++
		}
	}
	var pool vk.DescriptorPool
	sizes := []vk.DescriptorPoolSize{{Type: vk.DescriptorTypeStorageBuffer, DescriptorCount: uint32(max(nbuf, 1))}}
	if r := vk.CreateDescriptorPool(d.dev, &vk.DescriptorPoolCreateInfo{
		SType:         vk.StructureTypeDescriptorPoolCreateInfo,
		MaxSets:       uint32(max(nsets, 1)),
		PoolSizeCount: 1,
		PPoolSizes:    sizes,
	}, nil, &pool); r != vk.Success {
		return fmt.Errorf("gpu: vkCreateDescriptorPool: %w", vk.Error(r))
	}
	s.pool = pool
	sets := make([]vk.DescriptorSet, len(s.ops))
	for i, op := range s.ops {
		if op.p == nil {
			continue
		}
		if r := vk.AllocateDescriptorSets(d.dev, &vk.DescriptorSetAllocateInfo{
			SType:              vk.StructureTypeDescriptorSetAllocateInfo,
			DescriptorPool:     s.pool,
			DescriptorSetCount: 1,
			PSetLayouts:        []vk.DescriptorSetLayout{op.p.setl},
		}, &sets[i]); r != vk.Success {
			return fmt.Errorf("gpu: vkAllocateDescriptorSets for %s: %w", op.p.spec.Name, vk.Error(r))
		}
		if len(op.bufs) == 0 {
			continue
		}
		writes := make([]vk.WriteDescriptorSet, len(op.bufs))
		for j, b := range op.bufs {
			writes[j] = vk.WriteDescriptorSet{
				SType:           vk.StructureTypeWriteDescriptorSet,
				DstSet:          sets[i],
				DstBinding:      uint32(j),
				DescriptorCount: 1,
				DescriptorType:  vk.DescriptorTypeStorageBuffer,
				PBufferInfo:     []vk.DescriptorBufferInfo{b.descriptor()},
			}
		}
		vk.UpdateDescriptorSets(d.dev, uint32(len(writes)), writes, 0, nil)
	}
	if d.p.tsValid {
		var qp vk.QueryPool
		if r := vk.CreateQueryPool(d.dev, &vk.QueryPoolCreateInfo{
			SType:      vk.StructureTypeQueryPoolCreateInfo,
			QueryType:  vk.QueryTypeTimestamp,
			QueryCount: uint32(len(s.ops) + 1),
		}, nil, &qp); r != vk.Success {
			return fmt.Errorf("gpu: vkCreateQueryPool: %w", vk.Error(r))
		}
		s.qp = qp
		s.ts = make([]uint64, len(s.ops)+1)
		s.times = make([]time.Duration, len(s.ops))
	}
	cbs := make([]vk.CommandBuffer, 1)
	if r := vk.AllocateCommandBuffers(d.dev, &vk.CommandBufferAllocateInfo{
		SType:              vk.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        d.cmdPool,
		Level:              vk.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}, cbs); r != vk.Success {
		return fmt.Errorf("gpu: vkAllocateCommandBuffers: %w", vk.Error(r))
	}
	s.cb = cbs[0]
	cb := s.cb
	if r := vk.BeginCommandBuffer(cb, &vk.CommandBufferBeginInfo{SType: vk.StructureTypeCommandBufferBeginInfo}); r != vk.Success {
		return fmt.Errorf("gpu: vkBeginCommandBuffer: %w", vk.Error(r))
	}
	if s.qp != nil {
		vk.CmdResetQueryPool(cb, s.qp, 0, uint32(len(s.ops)+1))
		vk.CmdWriteTimestamp(cb, vk.PipelineStageTopOfPipeBit, s.qp, 0)
	}
	// One full barrier between commands: each waits for the previous one's
	// writes, whether a dispatch or a copy wrote them.
	stages := vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit)
	barrier := []vk.MemoryBarrier{{
		SType:         vk.StructureTypeMemoryBarrier,
		SrcAccessMask: vk.AccessFlags(vk.AccessShaderWriteBit | vk.AccessTransferWriteBit),
		DstAccessMask: vk.AccessFlags(vk.AccessShaderReadBit | vk.AccessShaderWriteBit | vk.AccessTransferReadBit | vk.AccessTransferWriteBit),
	}}
	for i, op := range s.ops {
		if op.p == nil {
			src, dst := op.bufs[0], op.bufs[1]
			vk.CmdCopyBuffer(cb, src.buf, dst.buf, 1, []vk.BufferCopy{{
				SrcOffset: vk.DeviceSize(src.base), DstOffset: vk.DeviceSize(dst.base), Size: vk.DeviceSize(op.n)}})
		} else {
			s.recordDispatch(cb, op, sets[i])
		}
		if i+1 < len(s.ops) {
			vk.CmdPipelineBarrier(cb, stages, stages, 0, 1, barrier, 0, nil, 0, nil)
		}
		if s.qp != nil {
			vk.CmdWriteTimestamp(cb, vk.PipelineStageBottomOfPipeBit, s.qp, uint32(i+1))
		}
	}
	vk.CmdPipelineBarrier(cb, stages, vk.PipelineStageFlags(vk.PipelineStageHostBit), 0, 1, []vk.MemoryBarrier{{
		SType:         vk.StructureTypeMemoryBarrier,
		SrcAccessMask: vk.AccessFlags(vk.AccessShaderWriteBit | vk.AccessTransferWriteBit),
		DstAccessMask: vk.AccessFlags(vk.AccessHostReadBit),
	}}, 0, nil, 0, nil)
	if r := vk.EndCommandBuffer(cb); r != vk.Success {
		return fmt.Errorf("gpu: vkEndCommandBuffer: %w", vk.Error(r))
	}
	s.ready = true
	return nil
}

func (s *Sequence) recordDispatch(cb vk.CommandBuffer, op dispatch, set vk.DescriptorSet) {
	vk.CmdBindPipeline(cb, vk.PipelineBindPointCompute, op.p.pipeline)
	vk.CmdBindDescriptorSets(cb, vk.PipelineBindPointCompute, op.p.layout, 0, 1, []vk.DescriptorSet{set}, 0, nil)
	if len(op.push) > 0 {
		vk.CmdPushConstants(cb, op.p.layout, vk.ShaderStageFlags(vk.ShaderStageComputeBit), 0,
			uint32(len(op.push)), unsafe.Pointer(&op.push[0]))
	}
	vk.CmdDispatch(cb, op.groups[0], op.groups[1], op.groups[2])
}

// Run submits the sequence and waits for it; the first Run records it.
func (s *Sequence) Run() error {
	if s.closed {
		return fmt.Errorf("gpu: running a closed sequence")
	}
	if !s.ready {
		if err := s.record(); err != nil {
			return err
		}
	}
	if err := s.d.submit(s.cb); err != nil {
		return err
	}
	if s.qp != nil {
		r := vk.GetQueryPoolResults(s.d.dev, s.qp, 0, uint32(len(s.ts)), uint(8*len(s.ts)),
			unsafe.Pointer(&s.ts[0]), 8, vk.QueryResultFlags(vk.QueryResult64Bit|vk.QueryResultWaitBit))
		if r != vk.Success {
			return fmt.Errorf("gpu: vkGetQueryPoolResults: %w", vk.Error(r))
		}
		period := float64(s.d.info.Limits.TimestampPeriod)
		for i := range s.times {
			s.times[i] = time.Duration(float64(s.ts[i+1]-s.ts[i]) * period)
		}
	}
	return nil
}

// Timings returns the GPU time of each command in the last Run, measured
// with timestamp queries (each including the barrier after it), or nil
// where the queue has no timestamps. The slice is reused by the next Run.
func (s *Sequence) Timings() []time.Duration { return s.times }

// Close frees the sequence's command buffer, descriptor sets and queries.
func (s *Sequence) Close() error {
	if s == nil || s.closed {
		return nil
	}
	s.closed = true
	d := s.d
	if s.cb != nil {
		vk.FreeCommandBuffers(d.dev, d.cmdPool, 1, []vk.CommandBuffer{s.cb})
	}
	if s.qp != nil {
		vk.DestroyQueryPool(d.dev, s.qp, nil)
	}
	if s.pool != nil {
		vk.DestroyDescriptorPool(d.dev, s.pool, nil)
	}
	d.children--
	return nil
}
