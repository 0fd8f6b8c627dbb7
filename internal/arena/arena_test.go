package arena

import (
	"math/rand"
	"testing"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		name  string
		items []Item
		align int
		want  int
	}{
		{"empty", nil, 64, 0},
		{"disjoint lifetimes share", []Item{{Size: 100, First: 0, Last: 1}, {Size: 64, First: 2, Last: 3}}, 64, 128},
		{"overlapping stack", []Item{{Size: 100, First: 0, Last: 2}, {Size: 64, First: 1, Last: 3}}, 64, 192},
		{"chain", []Item{{Size: 8, First: 0, Last: 1}, {Size: 8, First: 1, Last: 2}, {Size: 8, First: 2, Last: 3}}, 4, 16},
		{"align 1", []Item{{Size: 3, First: 0, Last: 0}, {Size: 5, First: 0, Last: 0}}, 1, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := make([]*Item, len(tc.items))
			for i := range tc.items {
				items[i] = &tc.items[i]
			}
			if got := Plan(items, tc.align); got != tc.want {
				t.Errorf("size %d, want %d", got, tc.want)
			}
			check(t, items, tc.align)
		})
	}
}

// TestPlanRandom checks the invariants on random lifetimes.
func TestPlanRandom(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for range 200 {
		n := 1 + r.Intn(30)
		items := make([]*Item, n)
		for i := range items {
			a, b := r.Intn(20), r.Intn(20)
			items[i] = &Item{Size: 1 + r.Intn(1000), First: min(a, b), Last: max(a, b)}
		}
		size := Plan(items, 16)
		check(t, items, 16)
		for _, it := range items {
			if it.Offset+it.Size > size {
				t.Fatalf("item %+v ends past the arena's %d bytes", *it, size)
			}
		}
	}
}

func check(t *testing.T, items []*Item, align int) {
	t.Helper()
	for i, a := range items {
		if a.Offset%align != 0 {
			t.Fatalf("item %d offset %d not a multiple of %d", i, a.Offset, align)
		}
		for j, b := range items[:i] {
			live := a.First <= b.Last && b.First <= a.Last
			mem := a.Offset < b.Offset+b.Size && b.Offset < a.Offset+a.Size
			if live && mem {
				t.Fatalf("items %d %+v and %d %+v overlap in time and memory", i, *a, j, *b)
			}
		}
	}
}
