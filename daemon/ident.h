/*
 * ident.h -- a node's identity on its links: mutual TLS plus a signed
 * Hello and Welcome.
 *
 * A federation has one certificate authority (the province's); every node
 * holds a certificate from it whose subject CN is the node's home unit
 * code, and the matching private key.  nng's TLS transport (mbedTLS)
 * encrypts a tls+tcp:// link and admits only peers with a certificate from
 * that authority, both ways.  nng 1.5 does not tell which certificate a
 * peer showed, so each side also proves which unit it is inside the
 * protocol:
 *
 *   child  -> Hello   {unit, store id, nonce, cert, proof}
 *   parent -> Welcome {unit, store id, ..., cert, proof}
 *
 * A proof is the sender's signature (its certificate's key, SHA-256) over
 * a labelled list of the message's fields; a Welcome's also covers the
 * child's fresh nonce, so an old Welcome cannot be played back.  The
 * receiver checks that the certificate chains to the authority, is valid
 * now, names the unit the message claims (CN), and that the proof verifies
 * with its key.  Only a node's parent ever sees its Hello (the link is
 * encrypted), and a parent already speaks for its whole subtree, so a Hello
 * carries no nonce of the parent's.
 *
 * Not thread-safe: one identity is used from the loop thread only.
 */
#ifndef DONGBO_DAEMON_IDENT_H
#define DONGBO_DAEMON_IDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

struct dongbo_ident;

/* What the proofs of a Hello and a Welcome sign (see dongbo.proto). */
#define DONGBO_HELLO_LABEL "dongbo hello 1"
#define DONGBO_WELCOME_LABEL "dongbo welcome 1"

/* Hex characters of a Hello nonce (128 random bits). */
#define DONGBO_NONCE_HEX 32
/* The most bytes a proof takes (an ECDSA or RSA-4096 signature). */
#define DONGBO_PROOF_MAX 1024

/*
 * Loads the authority (ca), this node's certificate and its key (PEM files)
 * and checks them together: the key matches the certificate, the
 * certificate chains to the authority, is valid now, and its CN is unit.
 * Returns 0, DONGBO_E_IO (a file cannot be read), DONGBO_E_CONFIG (with
 * the reason in err: which file, what is wrong) or DONGBO_E_NOMEM.
 */
int dongbo_ident_load(const char *ca, const char *cert, const char *key,
		      const char *unit, struct dongbo_ident **out, char *err,
		      size_t errlen);

void dongbo_ident_free(struct dongbo_ident *id);

/* This node's certificate (DER) for a Hello or Welcome. */
const uint8_t *dongbo_ident_cert(const struct dongbo_ident *id, size_t *len);

/* "CN 24, O dongbo; until 2028-02-26" for status and logs. */
const char *dongbo_ident_summary(const struct dongbo_ident *id);

/* Seconds until the certificate expires (negative: expired). */
int64_t dongbo_ident_expires_in_s(const struct dongbo_ident *id);

/* A fresh nonce: DONGBO_NONCE_HEX hex digits and a NUL in out. */
int dongbo_ident_nonce(struct dongbo_ident *id,
		       char out[DONGBO_NONCE_HEX + 1]);

/*
 * Signs label and the n strings of parts (each taken whole, with its
 * length, so that no two lists sign alike) into sig (DONGBO_PROOF_MAX
 * bytes).  Returns 0 with *siglen set, or DONGBO_E_IO.
 */
int dongbo_ident_sign(struct dongbo_ident *id, const char *label,
		      const char *const *parts, size_t n, uint8_t *sig,
		      size_t *siglen);

/*
 * Checks a peer's certificate (DER) and proof: chains to our authority,
 * valid now, CN equal to unit, proof a signature by its key over label and
 * parts.  Returns 0, or DONGBO_E_AUTH with the reason in err (quoting the
 * unit the certificate names when it is another).
 */
int dongbo_ident_verify(const struct dongbo_ident *id, const uint8_t *cert,
			size_t certlen, const char *unit, const char *label,
			const char *const *parts, size_t n, const uint8_t *sig,
			size_t siglen, char *err, size_t errlen);

/*
 * An nng TLS configuration for a listener (server) or a dialer: our
 * certificate and key, peers verified against the authority, required both
 * ways.  The caller frees it with nng_tls_config_free() once set on the
 * listener or dialer (which holds its own reference).
 */
int dongbo_ident_tls_config(const struct dongbo_ident *id, bool server,
			    nng_tls_config **out, char *err, size_t errlen);

#endif
