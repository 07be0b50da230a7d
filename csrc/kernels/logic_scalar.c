/* Comparisons, logic and selections, scalar build (body: logic_impl.h, contract:
 * logic.h). */
#define LOGIC_NAME(f) logic_##f##_scalar
#define LOGIC_TABLE blawk_logic_scalar
#include "logic_impl.h"
