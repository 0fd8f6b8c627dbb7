package graph

import "fmt"

// SparseOffsets returns, for each of the n values stored in a sparse
// tensor of dense shape shape, the row-major offset of its element in the
// dense tensor, in storage order (TFLite's sparsity encoding: a traversal
// order over the dimensions and then their blocks, each level dense or
// CSR). It fails when the metadata is inconsistent or does not describe
// exactly n values.
func SparseOffsets(shape []int32, sp *Sparsity, n int) ([]int, error) {
	rank := len(shape)
	levels := len(sp.TraversalOrder)
	if levels != len(sp.DimMetadata) || levels != rank+len(sp.BlockMap) {
		return nil, fmt.Errorf("sparsity: %d traversal levels, %d dim metadata, %d block dims for rank %d", levels, len(sp.DimMetadata), len(sp.BlockMap), rank)
	}
	blockSize := make([]int, len(sp.BlockMap))
	for k, d := range sp.BlockMap {
		if d < 0 || int(d) >= rank {
			return nil, fmt.Errorf("sparsity: block map %v out of range", sp.BlockMap)
		}
		for l, t := range sp.TraversalOrder {
			if int(t) == rank+k {
				blockSize[k] = int(sp.DimMetadata[l].DenseSize)
			}
		}
	}
	for l, t := range sp.TraversalOrder {
		if t < 0 || int(t) >= levels || (l < rank) != (int(t) < rank) {
			return nil, fmt.Errorf("sparsity: traversal order %v must list the dimensions before the blocks", sp.TraversalOrder)
		}
	}
	strides := make([]int, rank)
	s := 1
	for i := rank - 1; i >= 0; i-- {
		strides[i] = s
		s *= int(shape[i])
	}
	out := make([]int, 0, n)
	idx := make([]int, levels)
	orig := make([]int, rank)
	var err error
	var walk func(level, prev int)
	walk = func(level, prev int) {
		if err != nil {
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
				if v < 0 || v >= int(shape[i]) {
					err = fmt.Errorf("sparsity: element index %v outside shape %v", orig, shape)
					return
				}
				off += v * strides[i]
			}
			out = append(out, off)
			return
		}
		md := sp.DimMetadata[level]
		if md.Format == DimDense {
			m := int(md.DenseSize)
			for i := 0; i < m; i++ {
				idx[level] = i
				walk(level+1, prev*m+i)
			}
			return
		}
		if prev+1 >= len(md.Segments) {
			err = fmt.Errorf("sparsity: level %d has %d segments, need more than %d", level, len(md.Segments), prev+1)
			return
		}
		for i := int(md.Segments[prev]); i < int(md.Segments[prev+1]); i++ {
			if i < 0 || i >= len(md.Indices) {
				err = fmt.Errorf("sparsity: level %d segment points past its %d indices", level, len(md.Indices))
				return
			}
			idx[level] = int(md.Indices[i])
			walk(level+1, i)
		}
	}
	walk(0, 0)
	if err != nil {
		return nil, err
	}
	if len(out) != n {
		return nil, fmt.Errorf("sparsity: metadata describes %d values, the buffer holds %d", len(out), n)
	}
	return out, nil
}
