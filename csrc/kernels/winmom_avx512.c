/* Rolling moments' vector passes, avx512 build (body and contract: winmom_impl.h, winmom.h). */
#define WINMOM_NAME(f) blawk_winmom_##f##_avx512
#include "winmom_impl.h"
