package inspect

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText writes r as aligned, human-readable text.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }

	if r.File != "" {
		p("File:\t%s\n", r.File)
	}
	p("File size:\t%s bytes\n", group(r.FileSize))
	p("Schema version:\t%d\n", r.SchemaVersion)
	if r.Description != "" {
		p("Description:\t%s\n", oneLine(r.Description))
	}
	if r.MinRuntimeVersion != "" {
		p("Min runtime version:\t%s\n", r.MinRuntimeVersion)
	}
	p("Subgraphs:\t%d\n", r.SubgraphCount)
	p("Ops:\t%d\n", r.OpCount)
	p("Tensors:\t%d\n", r.TensorCount)
	p("Constant data:\t%s bytes\n", group(r.ConstantBytes))
	p("MACs:\t%s (%s)\n", group(r.MACs), human(r.MACs))
	tw.Flush()

	section(w, "Subgraphs", len(r.Subgraphs) > 1, func(tw *tabwriter.Writer) {
		fmt.Fprintf(tw, "  #\tname\tops\ttensors\tinputs\toutputs\n")
		for _, s := range r.Subgraphs {
			fmt.Fprintf(tw, "  %d\t%s\t%d\t%d\t%d\t%d\n", s.Index, quoteName(s.Name), s.Ops, s.Tensors, s.Inputs, s.Outputs)
		}
	})
	for _, sec := range []struct {
		title string
		list  []Tensor
	}{{"Inputs", r.Inputs}, {"Outputs", r.Outputs}} {
		section(w, sec.title, true, func(tw *tabwriter.Writer) {
			if len(sec.list) == 0 {
				fmt.Fprintf(tw, "  (none)\n")
				return
			}
			fmt.Fprintf(tw, "  tensor\tname\tshape\ttype\tquantization\n")
			for _, t := range sec.list {
				shape := fmtDims(t.Shape)
				if t.ShapeSignature != nil {
					shape += " (signature " + fmtDims(t.ShapeSignature) + ")"
				}
				fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\n", t.Index, quoteName(t.Name), shape, t.Type, fmtQuant(t.Quantization))
			}
		})
	}
	section(w, "Op histogram", true, func(tw *tabwriter.Writer) {
		fmt.Fprintf(tw, "  op\tcount\tMACs\tshare\n")
		for _, o := range r.Ops {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", o.Op, o.Count, group(o.MACs), share(o.MACs, r.MACs))
		}
	})
	section(w, "Tensor types", true, func(tw *tabwriter.Writer) {
		for _, t := range r.TensorTypes {
			fmt.Fprintf(tw, "  %s\t%d\n", t.Type, t.Count)
		}
	})
	section(w, "Constant bytes by type", len(r.ConstantBytesByType) > 0, func(tw *tabwriter.Writer) {
		for _, t := range r.ConstantBytesByType {
			fmt.Fprintf(tw, "  %s\t%s\n", t.Type, group(t.Count))
		}
	})
	section(w, "MACs per op", len(r.OpMACs) > 0, func(tw *tabwriter.Writer) {
		fmt.Fprintf(tw, "  op #\top\toutput shape\tMACs\n")
		for _, o := range r.OpMACs {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", o.Index, o.Op, fmtDims(o.Shape), group(o.MACs))
		}
	})
	section(w, "Custom ops", true, func(tw *tabwriter.Writer) {
		if len(r.CustomOps) == 0 {
			fmt.Fprintf(tw, "  (none)\n")
		}
		for _, o := range r.CustomOps {
			fmt.Fprintf(tw, "  %s\t%d\n", o.Op, o.Count)
		}
	})
	section(w, fmt.Sprintf("Sparse tensors (%d)", len(r.SparseTensors)), true, func(tw *tabwriter.Writer) {
		if len(r.SparseTensors) == 0 {
			fmt.Fprintf(tw, "  (none)\n")
			return
		}
		fmt.Fprintf(tw, "  subgraph\ttensor\tname\tshape\ttype\tstored bytes\tdense bytes\n")
		for _, t := range r.SparseTensors {
			fmt.Fprintf(tw, "  %d\t%d\t%s\t%s\t%s\t%s\t%s\n", t.Subgraph, t.Index, quoteName(t.Name), fmtDims(t.Shape), t.Type, group(int64(t.StoredBytes)), group(int64(t.DenseBytes)))
		}
	})
	section(w, "Signatures", true, func(tw *tabwriter.Writer) {
		if len(r.Signatures) == 0 {
			fmt.Fprintf(tw, "  (none)\n")
		}
		for _, s := range r.Signatures {
			fmt.Fprintf(tw, "  %s\t(subgraph %d)\n", quoteName(s.Key), s.Subgraph)
			for _, t := range s.Inputs {
				fmt.Fprintf(tw, "    input\t%s\ttensor %d\n", quoteName(t.Name), t.Tensor)
			}
			for _, t := range s.Outputs {
				fmt.Fprintf(tw, "    output\t%s\ttensor %d\n", quoteName(t.Name), t.Tensor)
			}
		}
	})
	section(w, "Metadata", true, func(tw *tabwriter.Writer) {
		if len(r.Metadata) == 0 {
			fmt.Fprintf(tw, "  (none)\n")
		}
		for _, m := range r.Metadata {
			if m.Text != "" || m.Size == 0 {
				fmt.Fprintf(tw, "  %s\t%d bytes\t%s\n", quoteName(m.Name), m.Size, strconv.Quote(m.Text))
			} else {
				fmt.Fprintf(tw, "  %s\t%d bytes\t(binary)\n", quoteName(m.Name), m.Size)
			}
		}
	})
	section(w, "File bytes by category", len(r.FileBytes) > 0, func(tw *tabwriter.Writer) {
		var total int64
		for _, b := range r.FileBytes {
			total += b.Bytes
		}
		for _, b := range r.FileBytes {
			if b.Bytes > 0 {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", b.Category, group(b.Bytes), share(b.Bytes, total))
			}
		}
	})
	section(w, "Warnings", len(r.Warnings) > 0, func(tw *tabwriter.Writer) {
		for _, s := range r.Warnings {
			fmt.Fprintf(tw, "  %s\n", s)
		}
	})
	return nil
}

// section prints a titled, aligned block when show is true.
func section(w io.Writer, title string, show bool, body func(*tabwriter.Writer)) {
	if !show {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	body(tw)
	tw.Flush()
}

func fmtDims(d []int32) string {
	parts := make([]string, len(d))
	for i, v := range d {
		parts[i] = strconv.Itoa(int(v))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func fmtQuant(q *Quantization) string {
	if q == nil {
		return "-"
	}
	if len(q.Scale) == 1 {
		zp := int64(0)
		if len(q.ZeroPoint) > 0 {
			zp = q.ZeroPoint[0]
		}
		return fmt.Sprintf("scale %g zero point %d", float32(q.Scale[0]), zp)
	}
	return fmt.Sprintf("per-axis (axis %d, %d scales)", q.Axis, len(q.Scale))
}

// quoteName quotes names that are empty or contain spaces or control
// characters, so that columns stay readable.
func quoteName(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '"' || r == 0x7f }) {
		return strconv.Quote(s)
	}
	return s
}

func oneLine(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// group formats n with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// human formats n with an SI suffix (e.g. "31.2 M").
func human(n int64) string {
	f := float64(n)
	for _, u := range []struct {
		div    float64
		suffix string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if f >= u.div {
			return fmt.Sprintf("%.2f %s", f/u.div, u.suffix)
		}
	}
	return strconv.FormatInt(n, 10)
}

func share(part, total int64) string {
	if total == 0 || part == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(total))
}
