/*
 * replay_main.c -- runs a libFuzzer target without libFuzzer: every file
 * named on the command line, and every regular file in every directory
 * named, is fed once to LLVMFuzzerTestOneInput.
 *
 * This is how the checked-in corpus (tests/fuzz/corpus/TARGET/) runs under
 * gcc, in the plain build and in the ASan build, as the ctest tests
 * fuzz_replay_TARGET: a regression in any decoder on an input that once
 * mattered fails the ordinary suite.  It also replays a single finding:
 *
 *     build/tests/fuzz/replay_TARGET tests/fuzz/crashes/TARGET-NAME
 *
 * Each input is read into a buffer of exactly its size, so that ASan sees
 * a read one byte past the end, as libFuzzer would.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* malloc(0) may return NULL; one byte keeps "empty" distinct from
	 * "out of memory" without widening what the target may read. */
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, in name order so that runs are repeatable. */
static int run_dir(const char *dir, size_t *n_run)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **paths = NULL;
	size_t n = 0, cap = 0;
	int rv = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: cannot open %s\n", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &sb) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		if (n == cap) {
			char **p = realloc(paths, (cap ? cap * 2 : 16) *
							  sizeof(*paths));

			if (p == NULL) {
				rv = -1;
				break;
			}
			paths = p;
			cap = cap ? cap * 2 : 16;
		}
		if ((paths[n] = strdup(path)) == NULL) {
			rv = -1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(paths, n, sizeof(*paths), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (rv == 0 && run_file(paths[i]) != 0)
			rv = -1;
		else if (rv == 0)
			(*n_run)++;
		free(paths[i]);
	}
	free(paths);
	return rv;
}

int main(int argc, char **argv)
{
	size_t n_run = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat sb;

		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "replay: no such file: %s\n", argv[i]);
			return 1;
		}
		if (S_ISDIR(sb.st_mode) ? run_dir(argv[i], &n_run) != 0
					: run_file(argv[i]) != 0)
			return 1;
		if (!S_ISDIR(sb.st_mode))
			n_run++;
	}
	if (n_run == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("replay: %zu inputs, no failure\n", n_run);
	return 0;
}
