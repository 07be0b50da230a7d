/* The VM's selections, avx512 build (body: select_impl.h, contract: select.h). */
#define SEL_NAME(f) sel_##f##_avx512
#define SEL_TABLE blawk_select_avx512
#include "select_impl.h"
