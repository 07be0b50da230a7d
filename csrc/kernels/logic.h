/*
 * logic.h -- comparisons and boolean logic on float64 values (internal).
 *
 * Results are 1.0 (true) or 0.0 (false), kept as float64 inside the VM so
 * they fuse with arithmetic (q's booleans add and multiply too).  A value is
 * true when it is neither 0 nor NaN.  IEEE: every comparison with NaN is
 * false except !=.  One portable implementation (the compiler vectorises it)
 * serves every ISA.
 * cmp: 0 <, 1 <=, 2 >, 3 >=, 4 ==, 5 != (and/or of masks: min2/max2).
 */
#ifndef BLAWK_LOGIC_H
#define BLAWK_LOGIC_H

#include <stddef.h>

void blawk_k_compare(int cmp, double *out, const double *a, const double *b, size_t n);
void blawk_k_compare_s(int cmp, double *out, const double *a, double s, size_t n);
void blawk_k_not(double *out, const double *a, size_t n);

#endif
