/* Comparisons, logic and selections, avx512 build (body: logic_impl.h, contract:
 * logic.h). */
#define LOGIC_NAME(f) logic_##f##_avx512
#define LOGIC_TABLE blawk_logic_avx512
#include "logic_impl.h"
