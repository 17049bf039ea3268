// The SanitizerCoverage runtime for native coverage builds, loaded with RTLD_GLOBAL before the
// plugin so its undefined `__sanitizer_cov_*` symbols resolve here. Counters stay where LLVM put
// them; compares go into a small table the fuzzer reads and splices into inputs.
#include <stddef.h>
#include <stdint.h>

#define PBCOV_COMPARES 512

static uint8_t *counters_start;
static uint8_t *counters_stop;
/* Operand pairs of recent compares: [2i] and [2i+1]; the width in bytes beside each pair. */
uint64_t pbcov_compares[2 * PBCOV_COMPARES];
uint8_t pbcov_compare_widths[PBCOV_COMPARES];

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop) {
  /* A library loaded again (after a poisoned instance) brings counters of its own: the latest wins. */
  counters_start = start;
  counters_stop = stop;
}

void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *stop) { (void)start; (void)stop; }

static void record(uint64_t a, uint64_t b, uint8_t width) {
  if (a == b) return;
  uint64_t slot = ((a * 0x9E3779B97F4A7C15ull) ^ b) % PBCOV_COMPARES;
  pbcov_compares[2 * slot] = a;
  pbcov_compares[2 * slot + 1] = b;
  pbcov_compare_widths[slot] = width;
}

void __sanitizer_cov_trace_cmp1(uint8_t a, uint8_t b) { record(a, b, 1); }
void __sanitizer_cov_trace_cmp2(uint16_t a, uint16_t b) { record(a, b, 2); }
void __sanitizer_cov_trace_cmp4(uint32_t a, uint32_t b) { record(a, b, 4); }
void __sanitizer_cov_trace_cmp8(uint64_t a, uint64_t b) { record(a, b, 8); }
void __sanitizer_cov_trace_const_cmp1(uint8_t a, uint8_t b) { record(a, b, 1); }
void __sanitizer_cov_trace_const_cmp2(uint16_t a, uint16_t b) { record(a, b, 2); }
void __sanitizer_cov_trace_const_cmp4(uint32_t a, uint32_t b) { record(a, b, 4); }
void __sanitizer_cov_trace_const_cmp8(uint64_t a, uint64_t b) { record(a, b, 8); }

/* cases[0] is the number of cases, cases[1] the operand width in bits, then the case values. */
void __sanitizer_cov_trace_switch(uint64_t value, uint64_t *cases) {
  uint64_t n = cases[0] < 16 ? cases[0] : 16;
  for (uint64_t i = 0; i < n; i++) record(value, cases[2 + i], (uint8_t)(cases[1] / 8));
}

void __sanitizer_cov_trace_div4(uint32_t value) { (void)value; }
void __sanitizer_cov_trace_div8(uint64_t value) { (void)value; }
void __sanitizer_cov_trace_gep(uintptr_t index) { (void)index; }

/* Getters for the host: where the counters are and how many. */
uint8_t *pbcov_counters(void) { return counters_start; }
size_t pbcov_counters_len(void) { return (size_t)(counters_stop - counters_start); }
uint64_t *pbcov_compare_table(void) { return pbcov_compares; }
uint8_t *pbcov_compare_width_table(void) { return pbcov_compare_widths; }
