/*
 * codec.h -- packing dongbo protobuf messages into nng messages and back.
 *
 * The generated code (dongbo.pb-c.h) is built from proto/dongbo.proto at
 * build time.  Unpacking never trusts the bytes: a malformed or oversized
 * message is DONGBO_E_PROTO / DONGBO_E_TOOBIG, never a crash.  NNG_* codes
 * are translated here, once, for every user of nng in the project.
 */
#ifndef DONGBO_PROTO_CODEC_H
#define DONGBO_PROTO_CODEC_H

#include <stddef.h>

#include <nng/nng.h>

#include "dongbo.pb-c.h"

/* Bumped on any incompatible change of the sync conversation. */
#define DONGBO_PROTOCOL_VERSION 1

/* Largest message a node or the CLI accepts (NNG_OPT_RECVMAXSZ). */
#define DONGBO_MSG_MAX (16u * 1024u * 1024u)

/* Most records one sync Push may carry; more is refused whole (TOOBIG). */
#define DONGBO_PUSH_RECORDS_MAX 100000u

/* A record whose version (microseconds of its author's hybrid clock, see
 * dongbo_store_put_local) is further ahead of the receiver's clock than
 * this is refused: 24 hours, well past any time-zone or drift mistake. */
#define DONGBO_VERSION_AHEAD_MAX_S (24u * 3600u)

/* Most items one put request may carry (an import is one request, all or
 * nothing); the message size limit usually binds first. */
#define DONGBO_PUT_ITEMS_MAX 500000u

/* Packs m into a new nng message *out (caller owns it).
 * Returns 0, DONGBO_E_TOOBIG or DONGBO_E_NOMEM. */
int dongbo_proto_pack(const ProtobufCMessage *m, nng_msg **out);

/* Unpacks msg's body as a message of type desc into *out (free with
 * dongbo_proto_free).  msg is not consumed.  Returns 0, DONGBO_E_PROTO
 * (malformed) or DONGBO_E_TOOBIG. */
int dongbo_proto_unpack(const ProtobufCMessageDescriptor *desc,
			const nng_msg *msg, ProtobufCMessage **out);

struct dongbo_arena;

/* As dongbo_proto_unpack, with every allocation of the message taken from
 * arena (common/util.h): it goes when the arena is freed, never with
 * dongbo_proto_free.  For requests handled and dropped at once: a push of
 * thousands of records is one allocation per 64 KiB, not five per
 * record. */
int dongbo_proto_unpack_in(const ProtobufCMessageDescriptor *desc,
			   const nng_msg *msg, struct dongbo_arena *arena,
			   ProtobufCMessage **out);

/* Frees a message from dongbo_proto_unpack; NULL is a no-op. */
void dongbo_proto_free(ProtobufCMessage *m);

/* Translates an NNG_* error number into a DONGBO_E_* code. */
int dongbo_proto_nng_err(int nng_rv);

#endif
