/*
 * ident.c -- certificates, keys and proofs of identity (mbedTLS).
 *
 * Loading: the three PEM files are read whole, parsed, and checked against
 * each other once, when the node starts, so that a wrong file stops it
 * with a message naming the file rather than failing every handshake.
 *
 * Proofs: SHA-256 over a label and length-prefixed parts, signed with the
 * node's key (ECDSA or RSA, whatever the certificate holds); the random
 * numbers come from a CTR-DRBG seeded from the system's entropy.
 *
 * Verifying a peer: its certificate (DER) must chain to the authority and
 * be valid now (mbedtls_x509_crt_verify), its subject CN must equal the
 * claimed unit, and the proof must verify with its public key.  Any
 * failure is DONGBO_E_AUTH with the reason; nothing is cached.
 */
#define _DEFAULT_SOURCE /* timegm */
#include "ident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "error.h"
#include "i18n.h"
#include "units.h"
#include "util.h"

/* A certificate, key or authority file larger than this is not one. */
#define PEM_FILE_MAX (1 << 20)

struct dongbo_ident {
	mbedtls_x509_crt ca;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	char *ca_pem, *cert_pem, *key_pem;
	char summary[160];
	int64_t not_after; /* Unix seconds */
};

static void mbed_reason(int rc, char *buf, size_t len)
{
	char e[128];

	mbedtls_strerror(rc, e, sizeof(e));
	snprintf(buf, len, "%s", e);
}

/* The subject's CN into out ("" when it has none). */
static void subject_cn(const mbedtls_x509_crt *crt, char *out, size_t len)
{
	const mbedtls_x509_name *n;

	out[0] = '\0';
	for (n = &crt->subject; n != NULL; n = n->next) {
		if (n->oid.p == NULL || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN,
							&n->oid) != 0)
			continue;
		snprintf(out, len, "%.*s", (int)n->val.len,
			 (const char *)n->val.p);
		return;
	}
}

static int64_t x509_time_unix(const mbedtls_x509_time *t)
{
	struct tm tm = {
		.tm_year = t->year - 1900, .tm_mon = t->mon - 1,
		.tm_mday = t->day, .tm_hour = t->hour, .tm_min = t->min,
		.tm_sec = t->sec,
	};

	return (int64_t)timegm(&tm);
}

static int load_pem(const char *what, const char *path, char **out,
		    char *err, size_t errlen)
{
	size_t len;
	char why[256];
	int rc;

	rc = dongbo_read_file(path, PEM_FILE_MAX, out, &len, why, sizeof(why));
	if (rc != 0)
		dongbo_errf(err, errlen, _("[tls] %s: %s"), what, why);
	return rc;
}

/* Chain and validity of crt against the authority, as text in err. */
static int verify_chain(mbedtls_x509_crt *ca, mbedtls_x509_crt *crt,
			char *err, size_t errlen)
{
	uint32_t flags = 0;
	char info[256];
	size_t n;

	if (mbedtls_x509_crt_verify(crt, ca, NULL, NULL, &flags, NULL,
				    NULL) == 0)
		return 0;
	mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
	/* One line: "a\nb\n" -> "a; b". */
	for (n = strlen(info); n > 0 && info[n - 1] == '\n'; n--)
		info[n - 1] = '\0';
	for (char *p = info; *p != '\0'; p++)
		if (*p == '\n')
			*p = ';';
	dongbo_errf(err, errlen, "%s", info[0] ? info : _("not verified"));
	return DONGBO_E_AUTH;
}

int dongbo_ident_load(const char *ca, const char *cert, const char *key,
		      const char *unit, struct dongbo_ident **out, char *err,
		      size_t errlen)
{
	static const char pers[] = "dongbo ident";
	struct dongbo_ident *id = calloc(1, sizeof(*id));
	char why[256], cn[DONGBO_UNIT_CODE_MAX + 64];
	const mbedtls_x509_time *to;
	int rc, mrc;

	if (id == NULL)
		return DONGBO_E_NOMEM;
	mbedtls_x509_crt_init(&id->ca);
	mbedtls_x509_crt_init(&id->cert);
	mbedtls_pk_init(&id->key);
	mbedtls_entropy_init(&id->entropy);
	mbedtls_ctr_drbg_init(&id->drbg);
	if ((rc = load_pem("ca", ca, &id->ca_pem, err, errlen)) != 0 ||
	    (rc = load_pem("cert", cert, &id->cert_pem, err, errlen)) != 0 ||
	    (rc = load_pem("key", key, &id->key_pem, err, errlen)) != 0)
		goto fail;
	rc = DONGBO_E_CONFIG;
	mrc = mbedtls_x509_crt_parse(&id->ca, (const uint8_t *)id->ca_pem,
				     strlen(id->ca_pem) + 1);
	if (mrc != 0) {
		mbed_reason(mrc, why, sizeof(why));
		dongbo_errf(err, errlen, _("[tls] ca '%s': not a certificate: %s"),
			    ca, why);
		goto fail;
	}
	mrc = mbedtls_x509_crt_parse(&id->cert, (const uint8_t *)id->cert_pem,
				     strlen(id->cert_pem) + 1);
	if (mrc != 0) {
		mbed_reason(mrc, why, sizeof(why));
		dongbo_errf(err, errlen, _("[tls] cert '%s': not a certificate: "
			    "%s"), cert, why);
		goto fail;
	}
	mrc = mbedtls_pk_parse_key(&id->key, (const uint8_t *)id->key_pem,
				   strlen(id->key_pem) + 1, NULL, 0);
	if (mrc != 0) {
		mbed_reason(mrc, why, sizeof(why));
		dongbo_errf(err, errlen, _("[tls] key '%s': not a private key "
			    "(unencrypted PEM): %s"), key, why);
		goto fail;
	}
	if (mbedtls_pk_check_pair(&id->cert.pk, &id->key) != 0) {
		dongbo_errf(err, errlen, _("[tls] key '%s' is not the key of "
			    "certificate '%s'"), key, cert);
		goto fail;
	}
	if (verify_chain(&id->ca, &id->cert, why, sizeof(why)) != 0) {
		dongbo_errf(err, errlen, _("[tls] cert '%s' is not valid with "
			    "ca '%s': %s"), cert, ca, why);
		goto fail;
	}
	subject_cn(&id->cert, cn, sizeof(cn));
	if (strcmp(cn, unit) != 0) {
		dongbo_errf(err, errlen, _("[tls] cert '%s' names unit '%s' (its "
			    "CN), but this node's unit is %s: issue it a "
			    "certificate with CN=%s"), cert, cn, unit, unit);
		goto fail;
	}
	mrc = mbedtls_ctr_drbg_seed(&id->drbg, mbedtls_entropy_func,
				    &id->entropy, (const uint8_t *)pers,
				    sizeof(pers) - 1);
	if (mrc != 0) {
		mbed_reason(mrc, why, sizeof(why));
		dongbo_errf(err, errlen, _("random numbers: %s"), why);
		rc = DONGBO_E_IO;
		goto fail;
	}
	to = &id->cert.valid_to;
	id->not_after = x509_time_unix(to);
	snprintf(id->summary, sizeof(id->summary),
		 "CN %s, valid until %04d-%02d-%02d", cn, to->year, to->mon,
		 to->day);
	*out = id;
	return 0;

fail:
	dongbo_ident_free(id);
	return rc;
}

void dongbo_ident_free(struct dongbo_ident *id)
{
	if (id == NULL)
		return;
	mbedtls_x509_crt_free(&id->ca);
	mbedtls_x509_crt_free(&id->cert);
	mbedtls_pk_free(&id->key);
	mbedtls_ctr_drbg_free(&id->drbg);
	mbedtls_entropy_free(&id->entropy);
	free(id->ca_pem);
	free(id->cert_pem);
	if (id->key_pem != NULL) {
		/* The key does not linger in freed memory. */
		volatile char *p = id->key_pem;

		for (size_t i = 0; p[i] != '\0'; i++)
			p[i] = '\0';
		free(id->key_pem);
	}
	free(id);
}

const uint8_t *dongbo_ident_cert(const struct dongbo_ident *id, size_t *len)
{
	*len = id->cert.raw.len;
	return id->cert.raw.p;
}

const char *dongbo_ident_summary(const struct dongbo_ident *id)
{
	return id->summary;
}

int64_t dongbo_ident_expires_in_s(const struct dongbo_ident *id)
{
	return id->not_after - (int64_t)time(NULL);
}

int dongbo_ident_nonce(struct dongbo_ident *id, char out[DONGBO_NONCE_HEX + 1])
{
	uint8_t raw[DONGBO_NONCE_HEX / 2];

	if (mbedtls_ctr_drbg_random(&id->drbg, raw, sizeof(raw)) != 0)
		return DONGBO_E_IO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* SHA-256 of label and parts, each preceded by its length (4 bytes). */
static int digest(const char *label, const char *const *parts, size_t n,
		  uint8_t hash[32])
{
	mbedtls_sha256_context c;
	int rc = 0;

	mbedtls_sha256_init(&c);
	for (size_t i = 0; rc == 0 && i <= n; i++) {
		const char *s = i == 0 ? label : parts[i - 1];
		size_t len = s != NULL ? strlen(s) : 0;
		uint8_t be[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16),
				  (uint8_t)(len >> 8), (uint8_t)len };

		if (i == 0)
			rc = mbedtls_sha256_starts_ret(&c, 0);
		if (rc == 0)
			rc = mbedtls_sha256_update_ret(&c, be, sizeof(be));
		if (rc == 0 && len > 0)
			rc = mbedtls_sha256_update_ret(&c, (const uint8_t *)s,
						       len);
	}
	if (rc == 0)
		rc = mbedtls_sha256_finish_ret(&c, hash);
	mbedtls_sha256_free(&c);
	return rc == 0 ? 0 : DONGBO_E_IO;
}

int dongbo_ident_sign(struct dongbo_ident *id, const char *label,
		      const char *const *parts, size_t n, uint8_t *sig,
		      size_t *siglen)
{
	uint8_t hash[32];
	uint8_t buf[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t len = 0;

	if (digest(label, parts, n, hash) != 0 ||
	    mbedtls_pk_sign(&id->key, MBEDTLS_MD_SHA256, hash, sizeof(hash),
			    buf, &len, mbedtls_ctr_drbg_random,
			    &id->drbg) != 0 ||
	    len > DONGBO_PROOF_MAX)
		return DONGBO_E_IO;
	memcpy(sig, buf, len);
	*siglen = len;
	return 0;
}

int dongbo_ident_verify(const struct dongbo_ident *id, const uint8_t *cert,
			size_t certlen, const char *unit, const char *label,
			const char *const *parts, size_t n, const uint8_t *sig,
			size_t siglen, char *err, size_t errlen)
{
	mbedtls_x509_crt crt;
	char cn[DONGBO_UNIT_CODE_MAX + 64], why[256];
	uint8_t hash[32];
	int rc = DONGBO_E_AUTH;

	if (certlen == 0 || siglen == 0) {
		dongbo_errf(err, errlen, _("no certificate or proof of identity "
			    "(this link requires them)"));
		return DONGBO_E_AUTH;
	}
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, cert, certlen) != 0) {
		dongbo_errf(err, errlen, _("the certificate sent is not one "
			    "(%zu bytes)"), certlen);
		goto done;
	}
	/* verify_chain takes a non-const authority; it only reads it. */
	if (verify_chain((mbedtls_x509_crt *)&id->ca, &crt, why,
			 sizeof(why)) != 0) {
		dongbo_errf(err, errlen, _("certificate not valid with our "
			    "authority: %s"), why);
		goto done;
	}
	subject_cn(&crt, cn, sizeof(cn));
	if (strcmp(cn, unit) != 0) {
		dongbo_errf(err, errlen, _("claims unit '%.32s' but its "
			    "certificate names unit '%.32s'"), unit, cn);
		goto done;
	}
	if (digest(label, parts, n, hash) != 0 ||
	    mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
			      sig, siglen) != 0) {
		dongbo_errf(err, errlen, _("proof of identity for unit '%.32s' "
			    "does not verify"), unit);
		goto done;
	}
	rc = 0;
done:
	mbedtls_x509_crt_free(&crt);
	return rc;
}

int dongbo_ident_tls_config(const struct dongbo_ident *id, bool server,
			    nng_tls_config **out, char *err, size_t errlen)
{
	nng_tls_config *cfg;
	int rv;

	rv = nng_tls_config_alloc(&cfg, server ? NNG_TLS_MODE_SERVER
					       : NNG_TLS_MODE_CLIENT);
	if (rv != 0) {
		dongbo_errf(err, errlen, _("TLS: %s (is libnng built with "
			    "mbedTLS?)"), nng_strerror(rv));
		return DONGBO_E_CONFIG;
	}
	if ((rv = nng_tls_config_ca_chain(cfg, id->ca_pem, NULL)) != 0 ||
	    (rv = nng_tls_config_own_cert(cfg, id->cert_pem, id->key_pem,
					  NULL)) != 0 ||
	    (rv = nng_tls_config_auth_mode(cfg,
					   NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
		dongbo_errf(err, errlen, _("TLS configuration: %s"),
			    nng_strerror(rv));
		nng_tls_config_free(cfg);
		return DONGBO_E_CONFIG;
	}
	*out = cfg;
	return 0;
}
