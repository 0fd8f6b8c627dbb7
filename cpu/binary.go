package cpu

import (
	"github.com/fp16tool/fp16tool/graph"
)

type binOp int

const (
	binAdd binOp = iota
	binSub
	binMul
	binDiv
	binMax
	binMin
)

func init() {
	builtins[graph.OpAdd] = prepareBinary(binAdd)
	builtins[graph.OpSub] = prepareBinary(binSub)
	builtins[graph.OpMul] = prepareBinary(binMul)
	builtins[graph.OpDiv] = prepareBinary(binDiv)
	builtins[graph.OpMaximum] = prepareBinary(binMax)
	builtins[graph.OpMinimum] = prepareBinary(binMin)
}

// ADD, SUB, MUL, DIV (with a fused activation), MAXIMUM and MINIMUM, with
// NumPy broadcasting.
func prepareBinary(kind binOp) prepareFunc {
	return func(x *opCtx) (kernel, error) {
		if err := x.arity(2, 2, 1); err != nil {
			return nil, err
		}
		act := graph.ActNone
		var err error
		switch kind {
		case binAdd:
			var o graph.AddOptions
			o, err = opts[graph.AddOptions](x)
			act = o.Activation
		case binSub:
			var o graph.SubOptions
			o, err = opts[graph.SubOptions](x)
			act = o.Activation
		case binMul:
			var o graph.MulOptions
			o, err = opts[graph.MulOptions](x)
			act = o.Activation
		case binDiv:
			var o graph.DivOptions
			o, err = opts[graph.DivOptions](x)
			act = o.Activation
		}
		if err != nil {
			return nil, err
		}
		a, b, out := x.in[0], x.in[1], x.out[0]
		if err := x.wantType(graph.Float32, a, b, out); err != nil {
			return nil, err
		}
		shape, ok := broadcastShape(a.shape, b.shape)
		if !ok {
			return nil, x.errorf("inputs %v and %v do not broadcast", a, b)
		}
		if err := x.checkShape(out, shape); err != nil {
			return nil, err
		}
		lo, hi, err := actRange(x, act)
		if err != nil {
			return nil, err
		}
		clampIt := act != graph.ActNone
		if sameShape(a.shape, b.shape) {
			if !x.c.opt.Reference {
				return x.c.pool.elementwise(out.n, 1, func(i, j int) {
					binClamp(kind, out.f32()[i:j], a.f32()[i:j], b.f32()[i:j], lo, hi)
				}), nil
			}
			return func() error {
				o := out.f32()
				binRow(kind, o, a.f32(), 0, 1, b.f32(), 0, 1)
				if clampIt {
					clampAll(o, lo, hi)
				}
				return nil
			}, nil
		}
		it := newStrided(shape, bcastStrides(a.shape, shape), bcastStrides(b.shape, shape))
		if !x.c.opt.Reference {
			return func() error {
				o, av, bv := out.f32(), a.f32(), b.f32()
				it.rows(func(oi, ai, bi, n, da, db int) {
					if da == 1 && db == 1 {
						binClamp(kind, o[oi:oi+n], av[ai:ai+n], bv[bi:bi+n], lo, hi)
						return
					}
					binRow(kind, o[oi:oi+n], av, ai, da, bv, bi, db)
					if clampIt {
						clampSlice(o[oi:oi+n], lo, hi)
					}
				})
				return nil
			}, nil
		}
		return func() error {
			o, av, bv := out.f32(), a.f32(), b.f32()
			it.rows(func(oi, ai, bi, n, da, db int) {
				binRow(kind, o[oi:oi+n], av, ai, da, bv, bi, db)
			})
			if clampIt {
				clampSlice(o, lo, hi)
			}
			return nil
		}, nil
	}
}

// binRow computes out[i] = a[ai+i*da] op b[bi+i*db].
func binRow(kind binOp, out, a []float32, ai, da int, b []float32, bi, db int) {
	n := len(out)
	if da == 1 && db == 1 {
		binSame(kind, out, a[ai:ai+n], b[bi:bi+n])
		return
	}
	switch kind {
	case binAdd:
		for i := range out {
			out[i] = a[ai] + b[bi]
			ai += da
			bi += db
		}
	case binSub:
		for i := range out {
			out[i] = a[ai] - b[bi]
			ai += da
			bi += db
		}
	case binMul:
		for i := range out {
			out[i] = a[ai] * b[bi]
			ai += da
			bi += db
		}
	case binDiv:
		for i := range out {
			out[i] = a[ai] / b[bi]
			ai += da
			bi += db
		}
	case binMax:
		for i := range out {
			out[i] = max(a[ai], b[bi])
			ai += da
			bi += db
		}
	case binMin:
		for i := range out {
			out[i] = min(a[ai], b[bi])
			ai += da
			bi += db
		}
	}
}

// binSame is binRow for contiguous operands of out's length.
func binSame(kind binOp, out, a, b []float32) {
	a = a[:len(out)]
	b = b[:len(out)]
	switch kind {
	case binAdd:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case binSub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case binMul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	case binDiv:
		for i := range out {
			out[i] = a[i] / b[i]
		}
	case binMax:
		for i := range out {
			out[i] = max(a[i], b[i])
		}
	case binMin:
		for i := range out {
			out[i] = min(a[i], b[i])
		}
	}
}

func clampAll(v []float32, lo, hi float32) {
	for i, x := range v {
		v[i] = min(max(x, lo), hi)
	}
}
