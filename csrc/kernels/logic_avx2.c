/* Comparisons, logic and selections, avx2 build (body: logic_impl.h, contract:
 * logic.h). */
#define LOGIC_NAME(f) logic_##f##_avx2
#define LOGIC_TABLE blawk_logic_avx2
#include "logic_impl.h"
