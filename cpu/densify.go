package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

func init() { builtins[graph.OpDensify] = prepareDensify }

// DENSIFY of a constant sparse tensor (TFLite's sparsity encoding: a
// traversal order over the dimensions and their blocks, each dense or
// CSR). It only ever runs at compile time: its input is a constant.
func prepareDensify(x *opCtx) (kernel, error) {
	if err := x.arity(1, 1, 1); err != nil {
		return nil, err
	}
	in, out := x.in[0], x.out[0]
	sp := in.src.Sparsity
	if sp == nil || !in.konst {
		return nil, x.errorf("input %v must be a sparse constant", in)
	}
	if in.dtype != out.dtype {
		return nil, x.errorf("input %v and output %v differ in type", in, out)
	}
	if err := x.checkShape(out, in.shape); err != nil {
		return nil, err
	}
	es := in.dtype.Size()
	if es == 0 {
		return nil, x.errorf("input %v has no fixed element size", in)
	}
	rank := len(in.shape)
	levels := len(sp.TraversalOrder)
	if levels != len(sp.DimMetadata) || levels != rank+len(sp.BlockMap) {
		return nil, x.errorf("sparsity of %v: %d traversal levels, %d dim metadata, %d block dims", in, levels, len(sp.DimMetadata), len(sp.BlockMap))
	}
	blockSize := make([]int, len(sp.BlockMap))
	for k, d := range sp.BlockMap {
		if int(d) < 0 || int(d) >= rank {
			return nil, x.errorf("sparsity of %v: block map %v out of range", in, sp.BlockMap)
		}
		// The block dimension's size is its dense size at the level that
		// traverses it.
		for l, t := range sp.TraversalOrder {
			if int(t) == rank+k {
				blockSize[k] = int(sp.DimMetadata[l].DenseSize)
			}
		}
	}
	for l, t := range sp.TraversalOrder {
		if (l < rank) != (int(t) < rank) || int(t) >= levels || t < 0 {
			return nil, x.errorf("sparsity of %v: traversal order %v must list the dimensions before the blocks", in, sp.TraversalOrder)
		}
	}
	strides := rowStrides(in.shape)
	return func() error {
		ob := out.b
		for i := range ob {
			ob[i] = 0
		}
		idx := make([]int, levels)
		orig := make([]int, rank)
		src := 0
		var bad bool
		var walk func(level, prev int)
		walk = func(level, prev int) {
			if bad {
				return
			}
			if level == levels {
				for i := 0; i < rank; i++ {
					orig[sp.TraversalOrder[i]] = idx[i]
				}
				for i := rank; i < levels; i++ {
					k := int(sp.TraversalOrder[i]) - rank
					d := sp.BlockMap[k]
					orig[d] = orig[d]*blockSize[k] + idx[i]
				}
				off := 0
				for i, v := range orig {
					if v < 0 || v >= in.shape[i] {
						bad = true
						return
					}
					off += v * strides[i]
				}
				if (src+1)*es > len(in.b) {
					bad = true
					return
				}
				copy(ob[off*es:(off+1)*es], in.b[src*es:(src+1)*es])
				src++
				return
			}
			md := sp.DimMetadata[level]
			if md.Format == graph.DimDense {
				n := int(md.DenseSize)
				for i := 0; i < n; i++ {
					idx[level] = i
					walk(level+1, prev*n+i)
				}
				return
			}
			if prev+1 >= len(md.Segments) {
				return
			}
			for i := int(md.Segments[prev]); i < int(md.Segments[prev+1]); i++ {
				if i < 0 || i >= len(md.Indices) {
					bad = true
					return
				}
				idx[level] = int(md.Indices[i])
				walk(level+1, i)
			}
		}
		walk(0, 0)
		if bad {
			return x.errorf("sparse data of %v is inconsistent with its sparsity metadata", in)
		}
		return nil
	}, nil
}
