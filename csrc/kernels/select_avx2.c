/* The VM's selections, avx2 build (body: select_impl.h, contract: select.h). */
#define SEL_NAME(f) sel_##f##_avx2
#define SEL_TABLE blawk_select_avx2
#include "select_impl.h"
