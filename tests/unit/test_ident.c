/*
 * test_ident.c -- certificates and proofs of identity (daemon/ident.c).
 *
 * The certificates are made afresh for each run with scripts/pki.sh (the
 * commands the README gives), in a temporary directory: an authority with
 * node certificates for 24 and 213, and a second, rogue authority that
 * also issues one for 213.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "ident.h"

static char tmpl[] = "/tmp/dongbo-test-ident-XXXXXX";
static char *dir;
static char err[1024];

static const char *path(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *path(const char *fmt, ...)
{
	static char bufs[8][512];
	static int next;
	char rel[256];
	char *b = bufs[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, rel);
	return b;
}

static int group_setup(void **state)
{
	char cmd[2048];

	(void)state;
	if ((dir = mkdtemp(tmpl)) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "set -e; p=%s/scripts/pki.sh; d=%s;"
		 " $p ca $d/ca; $p issue $d/ca 24 213;"
		 " $p ca $d/rogue 'Rogue CA'; $p issue $d/rogue 213",
		 DONGBO_SOURCE_DIR, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct dongbo_ident *load(const char *ca, const char *unit,
				 const char *as)
{
	struct dongbo_ident *id = NULL;

	if (dongbo_ident_load(path("%s/ca.crt", ca),
			      path("%s/%s.crt", ca, unit),
			      path("%s/%s.key", ca, unit), as, &id, err,
			      sizeof(err)) != 0)
		fail_msg("%s", err);
	return id;
}

static void assert_load_refused(const char *ca, const char *cert,
				const char *key, const char *unit,
				const char *want)
{
	struct dongbo_ident *id = NULL;

	assert_int_equal(dongbo_ident_load(ca, cert, key, unit, &id, err,
					   sizeof(err)),
			 DONGBO_E_CONFIG);
	assert_null(id);
	if (strstr(err, want) == NULL)
		fail_msg("message '%s' lacks '%s'", err, want);
}

static void load_checks_files_against_each_other(void **state)
{
	struct dongbo_ident *id;

	(void)state;
	id = load("ca", "213", "213");
	assert_non_null(strstr(dongbo_ident_summary(id), "CN 213, valid until"));
	/* 825 days, give or take the clock. */
	assert_true(dongbo_ident_expires_in_s(id) > 800 * 86400LL);
	dongbo_ident_free(id);

	/* Another unit's certificate. */
	assert_load_refused(path("ca/ca.crt"), path("ca/213.crt"),
			    path("ca/213.key"), "24",
			    "names unit '213' (its CN), but this node's unit "
			    "is 24");
	/* A key that is not the certificate's. */
	assert_load_refused(path("ca/ca.crt"), path("ca/213.crt"),
			    path("ca/24.key"), "213",
			    "is not the key of certificate");
	/* A certificate of another authority. */
	assert_load_refused(path("ca/ca.crt"), path("rogue/213.crt"),
			    path("rogue/213.key"), "213", "is not valid with ca");
	/* Not PEM at all: the key given as the certificate. */
	assert_load_refused(path("ca/ca.crt"), path("ca/213.key"),
			    path("ca/213.key"), "213", "not a certificate");
	{
		struct dongbo_ident *none = NULL;

		assert_int_equal(dongbo_ident_load(path("ca/nope.crt"),
						   path("ca/213.crt"),
						   path("ca/213.key"), "213",
						   &none, err, sizeof(err)),
				 DONGBO_E_IO);
		assert_non_null(strstr(err, "nope.crt"));
	}
}

/* A proof made by 213 verifies at 24 for exactly what was signed. */
static void proofs_verify_for_what_was_signed_only(void **state)
{
	struct dongbo_ident *child = load("ca", "213", "213");
	struct dongbo_ident *parent = load("ca", "24", "24");
	struct dongbo_ident *rogue = load("rogue", "213", "213");
	const char *parts[] = { "213", "0123456789abcdef0123456789abcdef",
				NULL };
	const char *other[] = { "213", "0123456789abcdef0123456789abcdee",
				NULL };
	const char *shifted[] = { "2130", "123456789abcdef0123456789abcdef",
				  NULL };
	char nonce[DONGBO_NONCE_HEX + 1], nonce2[DONGBO_NONCE_HEX + 1];
	uint8_t sig[DONGBO_PROOF_MAX];
	const uint8_t *cert;
	size_t siglen, certlen;

	(void)state;
	assert_int_equal(dongbo_ident_nonce(child, nonce), 0);
	assert_int_equal(dongbo_ident_nonce(child, nonce2), 0);
	assert_int_equal(strlen(nonce), DONGBO_NONCE_HEX);
	assert_string_not_equal(nonce, nonce2);
	parts[2] = other[2] = shifted[2] = nonce;

	assert_int_equal(dongbo_ident_sign(child, DONGBO_HELLO_LABEL, parts, 3,
					   sig, &siglen), 0);
	cert = dongbo_ident_cert(child, &certlen);
	assert_int_equal(dongbo_ident_verify(parent, cert, certlen, "213",
					     DONGBO_HELLO_LABEL, parts, 3, sig,
					     siglen, err, sizeof(err)), 0);
	/* Claiming another unit with 213's certificate. */
	assert_int_equal(dongbo_ident_verify(parent, cert, certlen, "215",
					     DONGBO_HELLO_LABEL, parts, 3, sig,
					     siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	assert_non_null(strstr(err, "claims unit '215' but its certificate "
				    "names unit '213'"));
	/* Other fields, another label, the same bytes split elsewhere. */
	assert_int_equal(dongbo_ident_verify(parent, cert, certlen, "213",
					     DONGBO_HELLO_LABEL, other, 3, sig,
					     siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	assert_non_null(strstr(err, "does not verify"));
	assert_int_equal(dongbo_ident_verify(parent, cert, certlen, "213",
					     DONGBO_WELCOME_LABEL, parts, 3,
					     sig, siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	assert_int_equal(dongbo_ident_verify(parent, cert, certlen, "213",
					     DONGBO_HELLO_LABEL, shifted, 3,
					     sig, siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	/* A flipped bit in the signature. */
	sig[siglen / 2] ^= 1;
	assert_int_equal(dongbo_ident_verify(parent, cert, certlen, "213",
					     DONGBO_HELLO_LABEL, parts, 3, sig,
					     siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	sig[siglen / 2] ^= 1;
	/* No certificate, no proof, garbage for a certificate. */
	assert_int_equal(dongbo_ident_verify(parent, NULL, 0, "213",
					     DONGBO_HELLO_LABEL, parts, 3, sig,
					     siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	assert_non_null(strstr(err, "no certificate or proof"));
	assert_int_equal(dongbo_ident_verify(parent, sig, siglen, "213",
					     DONGBO_HELLO_LABEL, parts, 3, sig,
					     siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	assert_non_null(strstr(err, "is not one"));

	/* The rogue authority's 213 signs fine but is not ours. */
	assert_int_equal(dongbo_ident_sign(rogue, DONGBO_HELLO_LABEL, parts, 3,
					   sig, &siglen), 0);
	cert = dongbo_ident_cert(rogue, &certlen);
	assert_int_equal(dongbo_ident_verify(parent, cert, certlen, "213",
					     DONGBO_HELLO_LABEL, parts, 3, sig,
					     siglen, err, sizeof(err)),
			 DONGBO_E_AUTH);
	assert_non_null(strstr(err, "not valid with our authority"));
	dongbo_ident_free(child);
	dongbo_ident_free(parent);
	dongbo_ident_free(rogue);
}

static void tls_configs_are_built_both_ways(void **state)
{
	struct dongbo_ident *id = load("ca", "24", "24");
	nng_tls_config *cfg = NULL;

	(void)state;
	assert_int_equal(dongbo_ident_tls_config(id, true, &cfg, err,
						 sizeof(err)), 0);
	nng_tls_config_free(cfg);
	assert_int_equal(dongbo_ident_tls_config(id, false, &cfg, err,
						 sizeof(err)), 0);
	nng_tls_config_free(cfg);
	dongbo_ident_free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_checks_files_against_each_other),
		cmocka_unit_test(proofs_verify_for_what_was_signed_only),
		cmocka_unit_test(tls_configs_are_built_both_ways),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
