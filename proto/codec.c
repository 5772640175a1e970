#include "codec.h"

#include "error.h"
#include "util.h"

int dongbo_proto_pack(const ProtobufCMessage *m, nng_msg **out)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	nng_msg *msg;

	if (len > DONGBO_MSG_MAX)
		return DONGBO_E_TOOBIG;
	if (nng_msg_alloc(&msg, len) != 0)
		return DONGBO_E_NOMEM;
	if (len > 0 && protobuf_c_message_pack(m, nng_msg_body(msg)) != len) {
		nng_msg_free(msg);
		return DONGBO_E_PROTO;
	}
	*out = msg;
	return 0;
}

static int unpack(const ProtobufCMessageDescriptor *desc, const nng_msg *msg,
		  ProtobufCAllocator *allocator, ProtobufCMessage **out)
{
	/* nng_msg_body/len take a non-const message but do not modify it. */
	nng_msg *m = (nng_msg *)msg;
	size_t len = nng_msg_len(m);
	ProtobufCMessage *pm;

	if (len > DONGBO_MSG_MAX)
		return DONGBO_E_TOOBIG;
	pm = protobuf_c_message_unpack(desc, allocator, len, nng_msg_body(m));
	if (pm == NULL)
		return DONGBO_E_PROTO;
	*out = pm;
	return 0;
}

int dongbo_proto_unpack(const ProtobufCMessageDescriptor *desc,
			const nng_msg *msg, ProtobufCMessage **out)
{
	return unpack(desc, msg, NULL, out);
}

static void *arena_alloc(void *arena, size_t size)
{
	return dongbo_arena_alloc(arena, size);
}

static void arena_free(void *arena, void *p)
{
	(void)arena;
	(void)p; /* with the arena */
}

int dongbo_proto_unpack_in(const ProtobufCMessageDescriptor *desc,
			   const nng_msg *msg, struct dongbo_arena *arena,
			   ProtobufCMessage **out)
{
	ProtobufCAllocator a = { .alloc = arena_alloc, .free = arena_free,
				 .allocator_data = arena };

	return unpack(desc, msg, &a, out);
}

void dongbo_proto_free(ProtobufCMessage *m)
{
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
}

int dongbo_proto_nng_err(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case NNG_ENOMEM:
		return DONGBO_E_NOMEM;
	case NNG_ETIMEDOUT:
		return DONGBO_E_TIMEOUT;
	case NNG_ECLOSED:
	case NNG_ECANCELED:
		return DONGBO_E_CLOSED;
	case NNG_ECONNREFUSED:
	case NNG_ECONNRESET:
	case NNG_ECONNSHUT:
	case NNG_EADDRINVAL:
	case NNG_ENOENT:
		return DONGBO_E_CONNREFUSED;
	case NNG_EINVAL:
		return DONGBO_E_INVAL;
	case NNG_EMSGSIZE:
		return DONGBO_E_TOOBIG;
	case NNG_EPROTO:
		return DONGBO_E_PROTO;
	case NNG_EBUSY:
	case NNG_EADDRINUSE:
		return DONGBO_E_BUSY;
	default:
		return DONGBO_E_IO;
	}
}
