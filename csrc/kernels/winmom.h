/*
 * winmom.h -- the vectorisable passes of the rolling moments' fast path
 * (internal; window.c drives them, docs/windows.md has the algorithm).
 *
 * window.c's moments are sequential only in their running sums (the prefix
 * and suffix TwoSum chains).  What each row needs before the chain (its
 * terms d = x - a, d^2 and the rounding error of d^2) and after it (the
 * window's result from its suffix and prefix sums) is independent from row to
 * row, so it is computed here, in loops the compiler vectorises, once per
 * ISA.  Every ISA performs exactly the same IEEE operations in the same order
 * as window.c's row-by-row code (no FMA: -ffp-contract=off; +, -, *, /, sqrt
 * are correctly rounded in every lane), so every ISA gives the same bits.
 */
#ifndef BLAWK_WINMOM_H
#define BLAWK_WINMOM_H

#include <stddef.h>
#include <stdint.h>

/* d[j] = x[j] - a; for k2: d2[j] = d*d and q[j] = its rounding error
 * (Dekker / Veltkamp, as window.c's sq_err).  d2, q unused when !k2. */
typedef void (*blawk_winmom_terms_fn)(double *d, double *d2, double *q, const double *x,
                                      size_t n, double a, int k2);

/* What the evaluation of m windows needs.  Window j has prefix sums
 * ph0[j] + pl0[j] (of d) and ph1[j] + pl1[j] (of d^2), and suffix sums
 * sh0[j] + sl0[j] (d), sh1[j] + sl1[j] (d^2; var, std and zscore only).
 * The windows are independent: any order of them (rows, or the lanes' tiles
 * below) works. */
typedef struct blawk_winmom_eval_args {
    int kind;                  /* BLAWK_WIN_SUM .. BLAWK_WIN_ZSCORE */
    size_t m;
    const double *ph0, *pl0, *ph1, *pl1;
    const double *sh0, *sl0, *sh1, *sl1;
    const uint64_t *cst;       /* 1: window j's valid values are all equal (to lastv[j]),
                                  else 0 (64 bits like the doubles: a byte array would
                                  make the compiler's vector loop 64 rows wide and
                                  leave up to 63 rows to its scalar epilogue) */
    const double *lastv;       /* the window's last value */
    const double *x;           /* zscore: the row's own value */
    const double *anchor;      /* zscore: the window's anchor a */
    double n, inv_n, nd;       /* the count, 1/n, n - ddof */
    double *out;               /* m results (a NaN written as the canonical quiet NaN) */
} blawk_winmom_eval_args;

typedef void (*blawk_winmom_eval_fn)(const blawk_winmom_eval_args *a);

/*
 * The chains in lanes.  A group of nl (1 .. lanes) segments k .. k+nl-1 (whole
 * but perhaps the last, which may stop early), their rows contiguous in x, segment k-1 in prev (w values): lane l runs the
 * prefix chain of segment k+l and the suffix chain of segment k+l-1 about the
 * anchor of segment k+l (its first row, or 0 when !anchored), with exactly
 * the scalar chain's operations in the same order (window.c's mom_fast_span),
 * so each lane gives the scalar bits, and evaluates each window as soon as
 * its prefix is known, with the operations of the eval loops above (so the
 * bits of blawk_winmom_eval_*).  All values finite.
 * Tiles: position i*lanes + l is slot i of segment k+l (the window ending at
 * that row), w*lanes positions each; lanes >= nl hold garbage (finite
 * arithmetic on zeros).
 */
typedef struct blawk_winmom_lanes_args {
    size_t w, nl;
    size_t rows;               /* the group's slots (counting lane 0's from 0; the rows
                                  are rows - s0), (nl-1)*w < rows <= nl*w: the last
                                  lane's segment may stop early (a piece's end); its
                                  slots past the end are zeros, their prefix sums
                                  and results garbage, never written to dst */
    int kind;                  /* BLAWK_WIN_SUM .. BLAWK_WIN_ZSCORE */
    int anchored;
    int sqsafe;                /* every value the lanes square (the rows, prev, a0) is
                                  0 or 2^-400 <= |x| <= 2^500 (BLAWK_WINMOM_SQSAFE):
                                  the error of d*d is one fused multiply-subtract */
    double n, inv_n, nd;       /* the count, 1/n, n - ddof (as blawk_winmom_eval_args) */
    const double *x;           /* the group's rows: lane l's slot i at x[l*w + i - s0]
                                  (lanes l >= 1; lane 0 too when s0 == 0) */
    size_t s0;                 /* lane 0 starts at its slot s0 (0 .. w-1): a segment
                                  the state has begun (mid-segment: its slots 0..s0-1
                                  are in prev, the rows x[0..w-s0) are its slots
                                  s0..w-1) */
    const double *x0;          /* lane 0's w slots (x when s0 == 0) */
    double a0;                 /* lane 0's anchor (s0 == 0: x[0] when anchored, else 0) */
    double seed[4];            /* s0 > 0: lane 0's prefix sums through slot s0-1 (hi, lo
                                  of d; hi, lo of d^2), the state's */
    const double *suf, *sufl;  /* s0 > 0: the state's suffix sums (window.c's layout,
                                  K moments a slot): lane 0's suffix for slot i is
                                  suf[(i+1)*K], sufl[(i+1)*K] (d), + 1 (d^2) */
    int K;
    const double *prev;        /* segment k-1 (mid-segment: the ring, whose slots
                                  0..s0-1 hold lane 0's segment and s0..w-1 the one
                                  before it) */
    double *sh0, *sl0, *sh1, *sl1; /* scratch tiles (the suffix sums) */
    double *xt;                /* out: the row's value */
    const double *xz;          /* zscore: the value the window's row is scored on
                                  (a tile; NULL: xt, the window's last row) */
    double *out;               /* scratch tile: the window's result */
    double *dst;               /* out: the result of the window ending at row r of
                                  the group (r = l*w + i - s0) to dst[r], for r < ndst
                                  (a NaN as the canonical quiet NaN) */
    size_t ndst;
    uintptr_t pf;              /* a hint: the address of npf 64-byte lines to prefetch
                                  while the chains run (0: none) */
    size_t npf;
    double *last;              /* out: the prefix sums through the group's last row
                                  (slot rows - (nl-1)*w - 1), 4 x lanes:
                                  lane l's hi and lo of d, of d^2 at l, lanes + l,
                                  2*lanes + l, 3*lanes + l */
} blawk_winmom_lanes_args;

typedef void (*blawk_winmom_lanes_fn)(const blawk_winmom_lanes_args *a);

#define BLAWK_WINMOM_LANES_AVX2 4
#define BLAWK_WINMOM_LANES_AVX512 8
void blawk_winmom_lanes_avx2(const blawk_winmom_lanes_args *a);
void blawk_winmom_lanes_avx512(const blawk_winmom_lanes_args *a);

/* What x[0..n) holds: 0 when a value is not finite (NaN, inf); else
 * BLAWK_WINMOM_FINITE, and, when range is nonzero (only then is it looked
 * at), | BLAWK_WINMOM_SQSAFE when every value is 0 or
 * 2^-400 <= |x| <= 2^500.  For such x and a, d = x - a is 0 or 2^-452 <= |d| <=
 * 2^501, where Dekker's error of d*d (winmom_impl.h's terms, exact when its
 * split and its products neither overflow nor underflow) is the exact error of
 * the rounded square, so one fused multiply-subtract, fma(d, d, -d*d), gives
 * the same bits (the lanes use it; exact zeros are +0 both ways). */
#define BLAWK_WINMOM_FINITE 1
#define BLAWK_WINMOM_SQSAFE 2
typedef int (*blawk_winmom_classify_fn)(const double *x, size_t n, int range);

int blawk_winmom_classify_scalar(const double *x, size_t n, int range);
int blawk_winmom_classify_avx2(const double *x, size_t n, int range);
int blawk_winmom_classify_avx512(const double *x, size_t n, int range);
void blawk_winmom_terms_scalar(double *d, double *d2, double *q, const double *x, size_t n,
                               double a, int k2);
void blawk_winmom_terms_avx2(double *d, double *d2, double *q, const double *x, size_t n,
                             double a, int k2);
void blawk_winmom_terms_avx512(double *d, double *d2, double *q, const double *x, size_t n,
                               double a, int k2);
void blawk_winmom_eval_scalar(const blawk_winmom_eval_args *a);
void blawk_winmom_eval_avx2(const blawk_winmom_eval_args *a);
void blawk_winmom_eval_avx512(const blawk_winmom_eval_args *a);

#endif
