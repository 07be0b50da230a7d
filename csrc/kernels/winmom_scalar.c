/* Rolling moments' vector passes, scalar build (body and contract: winmom_impl.h, winmom.h). */
#define WINMOM_NAME(f) blawk_winmom_##f##_scalar
#include "winmom_impl.h"
