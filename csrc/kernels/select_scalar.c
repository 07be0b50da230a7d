/* The VM's selections, scalar build (body: select_impl.h, contract: select.h). */
#define SEL_NAME(f) sel_##f##_scalar
#define SEL_TABLE blawk_select_scalar
#include "select_impl.h"
