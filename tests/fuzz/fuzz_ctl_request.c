/*
 * fuzz_ctl_request.c -- libFuzzer target: bytes on the control socket, as
 * the node's control handler (dongbo_ctl_handle, daemon/ctl.c) receives
 * them.
 *
 * The control socket is local (mode 0600, or 0660 for a group), but its
 * handler is the widest decoder in the daemon: every CtlRequest body (put,
 * get, rollup, status, export, catalog, report, check, rejected, restore,
 * verify, log) parses text the operator typed or imported -- values,
 * periods, unit and form codes -- before it touches the store.  A real node (tests/fuzz/fuzz_node.h) runs
 * each input, so accepted puts reach LMDB and later inputs read them back.
 * The messages cross no socket, so they carry no connection: the handler
 * takes them as made in process, by the node's owner (daemon/access.h),
 * and the requests that change data are fuzzed too.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_node.h"
#include "node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_node_call(dongbo_ctl_handle, data, size);
	return 0;
}
