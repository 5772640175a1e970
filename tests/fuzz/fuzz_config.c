/*
 * fuzz_config.c -- libFuzzer target: a node's dongbo.conf
 * (dongbo_config_parse, meta/config.c).
 *
 * The config is written by `dongbo init` and edited by hand; a typo, a
 * truncated file or a number out of range must be an error naming the
 * line, never a crash.  Relative paths are resolved against /tmp, which
 * only needs to exist: parsing reads no other file and writes nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dongbo_config cfg;
	char err[512];

	if (dongbo_config_parse("/tmp", (const char *)data, size, &cfg, err,
				sizeof(err)) == 0)
		dongbo_config_fini(&cfg);
	return 0;
}
