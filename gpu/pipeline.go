//go:build cgo && linux

package gpu

import (
	"encoding/binary"
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// Pipeline is a compute shader ready to dispatch: SPIR-V with its storage
// buffers at bindings 0..Buffers-1 of set 0, its specialization constants
// fixed and its push-constant size.
type Pipeline struct {
	d        *Device
	spec     PipelineSpec
	module   vk.ShaderModule
	setl     vk.DescriptorSetLayout
	layout   vk.PipelineLayout
	pipeline vk.Pipeline
	closed   bool
}

// NewPipeline compiles a compute pipeline. Drivers may compile lazily, on
// first dispatch.
func (d *Device) NewPipeline(s PipelineSpec) (*Pipeline, error) {
	return withoutGC(func() (*Pipeline, error) { return d.newPipeline(s) })
}

func (d *Device) newPipeline(s PipelineSpec) (*Pipeline, error) {
	if len(s.SPIRV) == 0 || len(s.SPIRV)%4 != 0 || binary.LittleEndian.Uint32(s.SPIRV) != 0x07230203 {
		return nil, fmt.Errorf("gpu: pipeline %s: not SPIR-V (%d bytes)", s.Name, len(s.SPIRV))
	}
	if s.PushSize%4 != 0 || uint32(s.PushSize) > d.info.Limits.MaxPushConstantsSize {
		return nil, fmt.Errorf("gpu: pipeline %s: push constants of %d bytes (want a multiple of 4, at most %d)",
			s.Name, s.PushSize, d.info.Limits.MaxPushConstantsSize)
	}
	p := &Pipeline{d: d, spec: s}
	fail := func(what string, r vk.Result) (*Pipeline, error) {
		p.destroy()
		return nil, fmt.Errorf("gpu: pipeline %s: %s: %w", s.Name, what, vk.Error(r))
	}
	var (
		module vk.ShaderModule
		setl   vk.DescriptorSetLayout
		layout vk.PipelineLayout
	)
	code := make([]uint32, len(s.SPIRV)/4)
	for i := range code {
		code[i] = binary.LittleEndian.Uint32(s.SPIRV[4*i:])
	}
	if r := vk.CreateShaderModule(d.dev, &vk.ShaderModuleCreateInfo{
		SType:    vk.StructureTypeShaderModuleCreateInfo,
		CodeSize: uint(len(s.SPIRV)),
		PCode:    code,
	}, nil, &module); r != vk.Success {
		return fail("vkCreateShaderModule", r)
	}
	p.module = module
	binds := make([]vk.DescriptorSetLayoutBinding, s.Buffers)
	for i := range binds {
		binds[i] = vk.DescriptorSetLayoutBinding{
			Binding:         uint32(i),
			DescriptorType:  vk.DescriptorTypeStorageBuffer,
			DescriptorCount: 1,
			StageFlags:      vk.ShaderStageFlags(vk.ShaderStageComputeBit),
		}
	}
	if r := vk.CreateDescriptorSetLayout(d.dev, &vk.DescriptorSetLayoutCreateInfo{
		SType:        vk.StructureTypeDescriptorSetLayoutCreateInfo,
		BindingCount: uint32(len(binds)),
		PBindings:    binds,
	}, nil, &setl); r != vk.Success {
		return fail("vkCreateDescriptorSetLayout", r)
	}
	p.setl = setl
	var push []vk.PushConstantRange
	if s.PushSize > 0 {
		push = []vk.PushConstantRange{{
			StageFlags: vk.ShaderStageFlags(vk.ShaderStageComputeBit),
			Size:       uint32(s.PushSize),
		}}
	}
	if r := vk.CreatePipelineLayout(d.dev, &vk.PipelineLayoutCreateInfo{
		SType:                  vk.StructureTypePipelineLayoutCreateInfo,
		SetLayoutCount:         1,
		PSetLayouts:            []vk.DescriptorSetLayout{p.setl},
		PushConstantRangeCount: uint32(len(push)),
		PPushConstantRanges:    push,
	}, nil, &layout); r != vk.Success {
		return fail("vkCreatePipelineLayout", r)
	}
	p.layout = layout
	if len(s.Spec) > 64 {
		return fail("too many specialization constants", vk.ErrorInitializationFailed)
	}
	pipe, r := createPipeline(d.dev, p.module, p.layout, s.Spec)
	if r != vk.Success {
		return fail("vkCreateComputePipelines", r)
	}
	p.pipeline = pipe
	d.children++
	return p, nil
}

func (p *Pipeline) destroy() {
	dev := p.d.dev
	if p.pipeline != nil {
		vk.DestroyPipeline(dev, p.pipeline, nil)
	}
	if p.layout != nil {
		vk.DestroyPipelineLayout(dev, p.layout, nil)
	}
	if p.setl != nil {
		vk.DestroyDescriptorSetLayout(dev, p.setl, nil)
	}
	if p.module != nil {
		vk.DestroyShaderModule(dev, p.module, nil)
	}
}

// Spec returns what the pipeline was made from.
func (p *Pipeline) Spec() PipelineSpec { return p.spec }

// Close destroys the pipeline; sequences using it must be closed first.
func (p *Pipeline) Close() error {
	if p == nil || p.closed {
		return nil
	}
	p.closed = true
	p.destroy()
	p.d.children--
	return nil
}
