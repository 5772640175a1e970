/*
 * fuzz_sync_request.c -- libFuzzer target: bytes from a child, as the
 * parent's sync handler (dongbo_sync_handle, daemon/sync.c) receives them.
 *
 * This is the decoder the network reaches first: any host that can dial a
 * parent's listen URL sends it these bytes.  The input goes through the
 * real unpack (SyncRequest: Hello, Push, RestoreRequest) and then the
 * checks and store writes of a real node (tests/fuzz/fuzz_node.h), so
 * hostile-but-well-formed messages -- unknown units, units outside the
 * subtree, absurd periods and versions, negative counts, out-of-order
 * batches -- are exercised along with malformed bytes.  Whatever the
 * input, the handler must answer without crashing or leaking.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_node.h"
#include "node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_node_call(dongbo_sync_handle, data, size);
	return 0;
}
