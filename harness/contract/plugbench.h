/* plugbench plugin contract, version 1.0 — the native (C ABI) side.
 * The WIT world in plugbench.wit is the source of truth; this header mirrors it. */
#ifndef PLUGBENCH_H
#define PLUGBENCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct { uint8_t *ptr; size_t len; } pb_buf;
enum { PB_OK = 0, PB_INVALID_INPUT = 1, PB_UNSUPPORTED_OP = 2,
       PB_RESOURCE_EXHAUSTED = 3, PB_INTERNAL = 4, PB_PANIC = 255 };
uint32_t plugbench_abi(void);               /* (major << 16) | minor; checked first */
int32_t  plugbench_describe(pb_buf *out);    /* manifest JSON */
int32_t  plugbench_init(const uint8_t *config, size_t len, pb_buf *out);
int32_t  plugbench_call(const uint8_t *op, size_t op_len,
                        const uint8_t *in, size_t in_len, pb_buf *out);
void     plugbench_free(pb_buf buf);        /* every buffer the plugin returned */
void     plugbench_shutdown(void);

#endif
