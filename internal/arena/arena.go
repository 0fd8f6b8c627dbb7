// Package arena plans the memory of a compiled model's run-time tensors:
// each tensor lives from the first step that writes or reads it to the
// last, and tensors whose lifetimes overlap must not overlap in memory.
// Both backends use it: the CPU backend for its byte arena, the Vulkan
// backend for one device buffer of activations.
package arena

import "sort"

// Item is one tensor to place: its size in bytes and the first and last
// steps (inclusive) it is alive in. Plan sets Offset.
type Item struct {
	Size        int
	First, Last int
	Offset      int
}

// Plan assigns each item an offset, a multiple of align (a power of two,
// at least 1), such that items alive at the same step do not overlap, and
// returns the arena's size. It places the largest items first, each at the
// lowest offset free during its lifetime (greedy by size); items of equal
// size keep their order, so the plan is deterministic.
func Plan(items []*Item, align int) int {
	if align < 1 {
		align = 1
	}
	round := func(n int) int { return (n + align - 1) / align * align }
	order := append([]*Item(nil), items...)
	sort.SliceStable(order, func(a, b int) bool { return round(order[a].Size) > round(order[b].Size) })
	var placed, busy []*Item
	total := 0
	for _, it := range order {
		size := round(it.Size)
		busy = busy[:0]
		for _, q := range placed {
			if q.First <= it.Last && it.First <= q.Last {
				busy = append(busy, q)
			}
		}
		sort.Slice(busy, func(a, b int) bool { return busy[a].Offset < busy[b].Offset })
		off := 0
		for _, q := range busy {
			if off+size <= q.Offset {
				break
			}
			if end := q.Offset + round(q.Size); end > off {
				off = end
			}
		}
		it.Offset = off
		placed = append(placed, it)
		total = max(total, off+size)
	}
	return total
}
