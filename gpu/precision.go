package gpu

import "fmt"

// Mixed precision. With float16 storage (FP16, FP32Acc) a Program may
// still run some ops in float32 (FP32 kernels, float32 tensors): those
// where float16 rounding is amplified on the way to a graph output. The
// plan gives each run-time op a precision; each tensor is stored in the
// precision of the op that writes it (a model input: of its first
// reader), and where an op reads a tensor stored in the other precision,
// a cast dispatch before it converts the tensor into a copy of its own
// (one per tensor and precision, shared by the later readers).

// fp32Override, when set (tests, measurements), replaces the plan's rule:
// it reports whether the op with index i in the main subgraph runs in
// float32.
var fp32Override func(i int) bool

// accOverride, when set (measurements), makes the ops of an FP16 program
// for which it returns true use the FP32Acc kernels (same storage).
var accOverride func(i int) bool

// precPlan is the precision of each step of a compiled program.
type precPlan struct {
	// half is the program's precision (FP16 or FP32Acc: float16 storage).
	half Precision
	// op is each run-time op's precision, in step order.
	op []Precision
	// store is the storage precision of each root tensor (conversions
	// included).
	store map[*tensor]Precision
	// casts are the conversions recorded before each step.
	casts [][]castOp
	// subs are the stand-ins for tensors read through a conversion (their
	// root is the conversion), which get their buffers with the roots'.
	subs []*tensor
	// fp32Ops counts the ops (aliases excluded) that run in float32.
	fp32Ops int
}

// castOp converts root src into dst, a root of the other precision.
type castOp struct{ src, dst *tensor }

// isAlias reports whether step p only renames its input (no dispatch).
func isAlias(p pending) bool {
	return gpuAliases[p.x.op.Code] && len(p.x.out) == 1 && len(p.x.in) > 0 && p.x.in[0] != nil &&
		p.x.out[0].root == p.x.in[0].root
}

// planPrecision decides the precision of every step of rt for a program
// of precision prec, stores and converts tensors accordingly (replacing
// the inputs of the steps that read a conversion) and returns the plan
// and roots with the conversions appended. fp32 says which steps run in
// float32 when prec stores float16.
func planPrecision(rt []pending, prec Precision, roots []*tensor, fp32 []bool) (*precPlan, []*tensor) {
	pl := &precPlan{half: prec, op: make([]Precision, len(rt)), store: map[*tensor]Precision{},
		casts: make([][]castOp, len(rt))}
	for s := range rt {
		pl.op[s] = prec
		if prec != FP32 && fp32 != nil && fp32[s] && !isAlias(rt[s]) {
			pl.op[s] = FP32
			pl.fp32Ops++
		}
		if prec == FP16 && pl.op[s] == FP16 && accOverride != nil && accOverride(rt[s].x.index) {
			pl.op[s] = FP32Acc
		}
	}
	type convKey struct {
		root *tensor
		p    Precision
	}
	convs := map[convKey]*tensor{}
	for s, p := range rt {
		if isAlias(p) {
			continue
		}
		q := pl.op[s]
		for i, t := range p.x.in {
			if t == nil || t.konst() {
				continue
			}
			r := t.root
			st, ok := pl.store[r]
			if !ok {
				// A model input: stored as its first reader wants.
				pl.store[r], st = q, q
			}
			if st.ElemSize() == q.ElemSize() {
				continue
			}
			k := convKey{r, q}
			cv := convs[k]
			if cv == nil {
				cv = &tensor{idx: r.idx, name: fmt.Sprintf("%s (%v)", r.name, q), dtype: r.dtype,
					shape: r.shape, n: r.n, src: r.src, seen: true, first: s, last: s}
				cv.root = cv
				convs[k] = cv
				pl.store[cv] = q
				pl.casts[s] = append(pl.casts[s], castOp{src: r, dst: cv})
				roots = append(roots, cv)
			}
			cv.last = s
			sub := *t
			sub.root = cv
			p.x.in[i] = &sub
			pl.subs = append(pl.subs, &sub)
		}
		for _, t := range p.x.out {
			pl.store[t.root] = q
		}
	}
	for _, r := range roots {
		if _, ok := pl.store[r]; !ok {
			pl.store[r] = prec
		}
	}
	return pl, roots
}

// The rule: with float16 storage, the ops at most fp32Depth ops away
// from a graph output (-1: none) whose outputs have at most fp32MaxElems
// elements each run in float32.
var (
	fp32Depth    = 4
	fp32MaxElems = 4096
)

// outputDistance returns, for each step of rt, the fewest ops between it
// and a graph output along the data flow (0 for the op that writes an
// output; aliases do not count), or -1 when it reaches none.
func outputDistance(rt []pending, outputs []*tensor) []int {
	prod := map[*tensor]int{}
	for s, p := range rt {
		for _, t := range p.x.out {
			prod[t] = s
		}
	}
	dist := make([]int, len(rt))
	for s := range dist {
		dist[s] = -1
	}
	for _, t := range outputs {
		if s, ok := prod[t]; ok {
			dist[s] = 0
		}
	}
	for s := len(rt) - 1; s >= 0; s-- {
		if dist[s] < 0 {
			continue
		}
		w := 1
		if isAlias(rt[s]) {
			w = 0
		}
		for _, t := range rt[s].x.in {
			if ps, ok := prod[t]; ok && t != nil && (dist[ps] < 0 || dist[s]+w < dist[ps]) {
				dist[ps] = dist[s] + w
			}
		}
	}
	return dist
}

// fp32Steps returns which steps of rt run in float32 when prec stores
// float16 (nil: none): those within fp32Depth of a graph output.
func (c *compiler) fp32Steps(rt []pending, prec Precision) []bool {
	if prec == FP32 {
		return nil
	}
	var outs []*tensor
	for _, i := range c.sg.Outputs {
		outs = append(outs, c.tensors[i])
	}
	dist := outputDistance(rt, outs)
	out := make([]bool, len(rt))
	for s, p := range rt {
		out[s] = dist[s] >= 0 && dist[s] <= fp32Depth
		for _, t := range p.x.out {
			out[s] = out[s] && t.n <= fp32MaxElems
		}
		if fp32Override != nil {
			out[s] = fp32Override(p.x.index)
		}
	}
	return out
}

// fp32Index returns the indices (in the main subgraph) of the ops the plan
// runs in float32.
func (pl *precPlan) fp32Index(rt []pending) []int {
	var out []int
	for s, q := range pl.op {
		if q == FP32 && pl.half != FP32 {
			out = append(out, rt[s].x.index)
		}
	}
	return out
}
