/* Rolling moments' vector passes, avx2 build (body and contract: winmom_impl.h, winmom.h). */
#define WINMOM_NAME(f) blawk_winmom_##f##_avx2
#include "winmom_impl.h"
