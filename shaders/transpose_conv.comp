#version 450
// TRANSPOSE_CONV and MediaPipe's Convolution2DTransposeBias, NHWC, in
// gather form: out[b][oy][ox][oc] = act(bias[oc] + sum over the taps
// ky, kx with iy = (oy + PT - ky) / SH and ix = (ox + PL - kx) / SW exact
// and inside of sum_c in[b][iy][ix][c] * w[oc][ky][kx][c]).
// One dispatch per output phase (py, px): the output pixels
// oy = py + SH*qy, ox = px + SW*qx, which all take the taps
// ky = KY0 + SH*j, kx = KX0 + SW*i at iy = qy + CY - j, ix = qx + CX - i
// (KY0, CY, KX0, CX computed by the caller), so no tap is wasted and the
// inner loops divide nothing. Register tiled without shared memory like
// conv2d.comp: each invocation computes TM pixels of the phase (of the
// flattened b*QH*QW) by TN output channels; x indexes channel tiles, y
// pixel tiles.
// Variant vec4 (-DVEC4): loads 4 consecutive channels at once; needs
// C % 4 == 0.
#include "common.h"

layout(constant_id = 4) const int TM = 4;
layout(constant_id = 5) const int TN = 4;

#ifdef VEC4
#define vtype afloat4
#define acctype accfloat4
#define CS (p.C / 4)
layout(std430, binding = 0) readonly buffer In { sfloat4 src[]; };
layout(std430, binding = 1) readonly buffer W { sfloat4 w[]; };
#else
#define vtype afloat
#define acctype accfloat
#define CS p.C
layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) readonly buffer W { sfloat w[]; };
#endif
layout(std430, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, binding = 3) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint H, W, C, OH, OW, OC, KH, KW, SH, SW;
	uint PY, PX;   // the phase
	uint QH, QW;   // its pixels per column and row
	uint KY0, KX0; // its first taps
	int CY, CX;    // input offsets of the first taps
	uint M;        // batch * QH * QW
} p;

void main() {
	uint n0 = gl_GlobalInvocationID.x * uint(TN);
	uint m0 = gl_GlobalInvocationID.y * uint(TM);
	if (n0 >= p.OC || m0 >= p.M) return;
	int iy0[TM];
	int ix0[TM];
	uint ib[TM];
	uint ob[TM]; // output offsets
	// Divide for the first pixel only, then step (lavapipe scalarizes
	// integer division); pixels past M repeat the last one.
	uint qx = m0 % p.QW;
	uint t = m0 / p.QW;
	uint qy = t % p.QH;
	uint b = t / p.QH;
	[[unroll]] for (int i = 0; i < TM; i++) {
		iy0[i] = int(qy) + p.CY;
		ix0[i] = int(qx) + p.CX;
		ib[i] = b * p.H * p.W * CS;
		ob[i] = ((b * p.OH + p.PY + qy * p.SH) * p.OW + p.PX + qx * p.SW) * p.OC;
		if (m0 + uint(i) + 1 < p.M && ++qx == p.QW) {
			qx = 0;
			if (++qy == p.QH) {
				qy = 0;
				b++;
			}
		}
	}
	uint wr[TN];
	[[unroll]] for (int j = 0; j < TN; j++) wr[j] = min(n0 + uint(j), p.OC - 1) * p.KH * p.KW * CS;
	acctype acc[TM * TN];
	[[unroll]] for (int i = 0; i < TM * TN; i++) acc[i] = acctype(0);
	int dy = 0;
	for (uint ky = p.KY0; ky < p.KH; ky += p.SH) {
		int dx = 0;
		for (uint kx = p.KX0; kx < p.KW; kx += p.SW) {
			int off[TM];
			[[unroll]] for (int i = 0; i < TM; i++) {
				int iy = iy0[i] - dy;
				int ix = ix0[i] - dx;
				bool inside = iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
				off[i] = inside ? int(ib[i] + (uint(iy) * p.W + uint(ix)) * CS) : -1;
			}
			uint wo = (ky * p.KW + kx) * CS;
			for (uint c = 0; c < CS; c++) {
				vtype av[TM];
				vtype wv[TN];
				[[unroll]] for (int i = 0; i < TM; i++) av[i] = off[i] >= 0 ? vtype(src[uint(off[i]) + c]) : vtype(0);
				[[unroll]] for (int j = 0; j < TN; j++) wv[j] = vtype(w[wr[j] + wo + c]);
				[[unroll]] for (int i = 0; i < TM; i++)
					[[unroll]] for (int j = 0; j < TN; j++) acc[i * TN + j] += acctype(av[i] * wv[j]);
			}
			dx++;
		}
		dy++;
	}
	[[unroll]] for (int i = 0; i < TM; i++) {
		if (m0 + uint(i) >= p.M) break;
		uint o = ob[i];
		[[unroll]] for (int j = 0; j < TN; j++) {
			uint n = n0 + uint(j);
#ifdef VEC4
			acctype v = acc[i * TN + j];
			accfloat sum = (v.x + v.y) + (v.z + v.w);
#else
			accfloat sum = acc[i * TN + j];
#endif
			if (n < p.OC) dst[o + n] = sfloat(activate(afloat(sum + accfloat(bias[n]))));
		}
	}
}
