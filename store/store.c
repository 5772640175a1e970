/*
 * store.c -- opening the environment, metadata, sessions' cursors and the
 * read-side calls.  Applying values lives in store_apply.c, roll-up keys and
 * verification in store_rollup.c, byte layouts in store_codec.c.
 *
 * Every call is one LMDB transaction, begun and ended inside the call.  LMDB
 * codes are translated here (store_mdb_err) and nowhere else.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "log.h"

#define STORE_MAP_DEFAULT (1ull << 30)
#define STORE_N_DBS 11
/* Without a configured maximum the map may grow to this. */
#define STORE_MAP_MAX_DEFAULT (64ull << 30)

int store_mdb_err(const struct dongbo_store *s, const char *what, int rc)
{
	int err;

	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
		return DONGBO_E_MAP_FULL;
	case ENOMEM:
		return DONGBO_E_NOMEM;
	case MDB_CORRUPTED:
	case MDB_INVALID:
	case MDB_PAGE_NOTFOUND:
		err = DONGBO_E_CORRUPT;
		break;
	case MDB_VERSION_MISMATCH:
		err = DONGBO_E_VERSION;
		break;
	case MDB_TXN_FULL:
		/* Too many dirty pages for one transaction: the batch, not
		 * the store, is too big. */
		return DONGBO_E_TOOBIG;
	case MDB_READERS_FULL:
		err = DONGBO_E_BUSY;
		break;
	default:
		err = DONGBO_E_IO;
		break;
	}
	dongbo_log_error("store: %s '%s': %s", what, s->path, mdb_strerror(rc));
	return err;
}

int store_corrupt(const struct dongbo_store *s, const char *what)
{
	dongbo_log_error("store: '%s': %s", s->path, what);
	return DONGBO_E_CORRUPT;
}

int store_txn_begin(struct dongbo_store *s, bool rdonly, MDB_txn **out)
{
	int rc;

	/* Grow ahead of need, so that a big batch rarely meets a full map;
	 * a write that still does is run again after growing on demand.  A
	 * map at its maximum is not an error here: the write may fit. */
	if (!rdonly)
		(void)store_map_grow(s, false);
	/* Held until the transaction ends: the map is not moved under it. */
	if (pthread_rwlock_rdlock(&s->map_lock) != 0)
		return store_mdb_err(s, "begin transaction", EDEADLK);
	rc = mdb_txn_begin(s->env, NULL, rdonly ? MDB_RDONLY : 0, out);
	if (rc != 0) {
		pthread_rwlock_unlock(&s->map_lock);
		return store_mdb_err(s, "begin transaction", rc);
	}
	/* Only now is this the one writer: what a transaction aborted
	 * before it left behind is dropped. */
	if (!rdonly) {
		store_aggbuf_reset(s);
		store_years_reset(s);
	}
	return 0;
}

void store_txn_abort(struct dongbo_store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->map_lock);
}

static int map_grow_locked(struct dongbo_store *s, bool force);

int store_map_grow(struct dongbo_store *s, bool force)
{
	int rc;

	/* No transaction of this process may be open while the map moves
	 * (mdb_env_set_mapsize): wait for them to end, or when growing only
	 * ahead of need, leave it for another time. */
	rc = force ? pthread_rwlock_wrlock(&s->map_lock)
		   : pthread_rwlock_trywrlock(&s->map_lock);
	if (rc != 0)
		return force ? store_mdb_err(s, "grow map", rc) : 0;
	rc = map_grow_locked(s, force);
	pthread_rwlock_unlock(&s->map_lock);
	return rc;
}

static int map_grow_locked(struct dongbo_store *s, bool force)
{
	MDB_envinfo info;
	MDB_stat st;
	uint64_t used, size;
	int rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0 ||
	    (rc = mdb_env_stat(s->env, &st)) != 0)
		return store_mdb_err(s, "read map size", rc);
	used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	size = info.me_mapsize;
	if (!force && used <= size / 2)
		return 0;
	if (size >= s->map_size_max) {
		if (force)
			dongbo_log_error("store: '%s' is full: a write did not "
					 "fit in its largest map (%.1f MiB, "
					 "%.1f MiB in use) and was refused "
					 "whole; raise map_size_max_mb in "
					 "dongbo.conf", s->path,
					 (double)size / (1 << 20),
					 (double)used / (1 << 20));
		return DONGBO_E_MAP_FULL;
	}
	size = size > s->map_size_max / 2 ? s->map_size_max : size * 2;
	rc = mdb_env_set_mapsize(s->env, (size_t)size);
	if (rc != 0)
		return store_mdb_err(s, "grow map", rc);
	dongbo_log_info("store: map grown to %.1f MiB (%.1f MiB used)",
			(double)size / (1 << 20), (double)used / (1 << 20));
	return 0;
}

int dongbo_store_info(struct dongbo_store *s, struct dongbo_store_info *out)
{
	MDB_envinfo info;
	MDB_stat st, vst, lst;
	MDB_txn *txn;
	int rc;

	/* In a transaction: the map (which mdb_env_info reads the meta
	 * pages from) does not move while one is open. */
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	if ((rc = mdb_env_info(s->env, &info)) != 0 ||
	    (rc = mdb_env_stat(s->env, &st)) != 0 ||
	    (rc = mdb_stat(txn, s->dbi_values, &vst)) != 0 ||
	    (rc = mdb_stat(txn, s->dbi_log, &lst)) != 0) {
		store_txn_abort(s, txn);
		return store_mdb_err(s, "stat", rc);
	}
	store_txn_abort(s, txn);
	out->map_size = info.me_mapsize;
	out->map_size_max = s->map_size_max;
	out->map_used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	out->values = vst.ms_entries;
	out->log_entries = lst.ms_entries;
	out->commits = atomic_load(&s->commits);
	return 0;
}

int store_txn_commit(struct dongbo_store *s, MDB_txn *txn)
{
	int rc = store_aggbuf_flush(s, txn);

	if (rc != 0) {
		store_txn_abort(s, txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc == 0)
		atomic_fetch_add(&s->commits, 1);
	return store_mdb_err(s, "commit", rc);
}

static MDB_val val_str(const char *s)
{
	return (MDB_val){ .mv_size = strlen(s), .mv_data = (void *)s };
}

/* A meta u64; a missing record is dflt when missing_ok, else corruption. */
static int meta_get_u64(struct dongbo_store *s, MDB_txn *txn, const char *name,
			bool missing_ok, uint64_t dflt, uint64_t *out)
{
	MDB_val k = val_str(name), v;
	int rc = mdb_get(txn, s->dbi_meta, &k, &v);

	if (rc == MDB_NOTFOUND && missing_ok) {
		*out = dflt;
		return 0;
	}
	if (rc == MDB_NOTFOUND)
		return store_corrupt(s, "meta record missing");
	if (rc != 0)
		return store_mdb_err(s, "read meta", rc);
	if (v.mv_size != 8)
		return store_corrupt(s, "meta record has a bad length");
	*out = store_get_u64(v.mv_data);
	return 0;
}

int store_meta_get_u64(struct dongbo_store *s, MDB_txn *txn, const char *name,
		       uint64_t *out)
{
	return meta_get_u64(s, txn, name, false, 0, out);
}

int store_meta_get_u64_or(struct dongbo_store *s, MDB_txn *txn,
			  const char *name, uint64_t dflt, uint64_t *out)
{
	return meta_get_u64(s, txn, name, true, dflt, out);
}

int store_meta_put_u64(struct dongbo_store *s, MDB_txn *txn, const char *name,
		       uint64_t x)
{
	unsigned char buf[8];
	MDB_val k = val_str(name), v = { .mv_size = sizeof(buf), .mv_data = buf };

	store_put_u64(buf, x);
	return store_mdb_err(s, "write meta", mdb_put(txn, s->dbi_meta, &k, &v, 0));
}

static int meta_put_bytes(struct dongbo_store *s, MDB_txn *txn,
			  const char *name, const void *data, size_t len)
{
	MDB_val k = val_str(name);
	MDB_val v = { .mv_size = len, .mv_data = (void *)data };

	return store_mdb_err(s, "write meta", mdb_put(txn, s->dbi_meta, &k, &v, 0));
}

/* 16 bytes from the kernel's CSPRNG.  getrandom(2) first; /dev/urandom
 * when the kernel predates it. */
static int random_bytes(unsigned char *buf, size_t len)
{
	size_t got = 0;
	int fd;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	if (got == len)
		return 0;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return DONGBO_E_IO;
	got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return DONGBO_E_IO;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static int id_generate(char out[DONGBO_STORE_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[DONGBO_STORE_ID_LEN / 2];
	int rc = random_bytes(raw, sizeof(raw));

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 0x0f];
	}
	out[DONGBO_STORE_ID_LEN] = '\0';
	return 0;
}

/* Writes the meta records of a store that has none yet. */
static int meta_create(struct dongbo_store *s, MDB_txn *txn)
{
	unsigned char format = STORE_FORMAT;
	int rc;

	rc = id_generate(s->id);
	if (rc != 0)
		return rc;
	if ((rc = meta_put_bytes(s, txn, "format", &format, 1)) != 0 ||
	    (rc = meta_put_bytes(s, txn, "id", s->id, DONGBO_STORE_ID_LEN)) != 0 ||
	    (rc = meta_put_bytes(s, txn, "home", s->home->code,
				 strlen(s->home->code))) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "clock", 0)) != 0 ||
	    (rc = store_meta_put_u64(s, txn, "head", 0)) != 0 ||
	    (s->restore_if_new &&
	     (rc = store_restore_progress_put(s, txn, "")) != 0))
		return rc;
	s->is_new = true;
	return 0;
}

/* Checks the meta records of an existing store and loads its identity. */
static int meta_check(struct dongbo_store *s, MDB_txn *txn, const MDB_val *fmt)
{
	unsigned have; /* the store's format */
	MDB_val k, v;
	uint64_t x;
	int rc;

	if (fmt->mv_size != 1)
		return store_corrupt(s, "format record has a bad length");
	have = *(const unsigned char *)fmt->mv_data;
	if (have < STORE_FORMAT_MIN || have > STORE_FORMAT) {
		dongbo_log_error("store: '%s': format %u, this build reads "
				 "%u to %u",
				 s->path, have, STORE_FORMAT_MIN, STORE_FORMAT);
		return DONGBO_E_VERSION;
	}

	k = val_str("id");
	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return store_corrupt(s, "store id missing");
	if (rc != 0)
		return store_mdb_err(s, "read meta", rc);
	if (!store_id_is_valid(v.mv_data, v.mv_size))
		return store_corrupt(s, "store id malformed");
	memcpy(s->id, v.mv_data, DONGBO_STORE_ID_LEN);
	s->id[DONGBO_STORE_ID_LEN] = '\0';

	/* Roll-ups stop at the home unit; a store kept under another home
	 * holds roll-ups that end elsewhere and would silently be wrong. */
	k = val_str("home");
	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return store_corrupt(s, "home record missing");
	if (rc != 0)
		return store_mdb_err(s, "read meta", rc);
	if (v.mv_size != strlen(s->home->code) ||
	    memcmp(v.mv_data, s->home->code, v.mv_size) != 0) {
		dongbo_log_error("store: '%s' was created for another home unit "
				 "(%.*s), not %s",
				 s->path, (int)(v.mv_size > 32 ? 32 : v.mv_size),
				 (const char *)v.mv_data, s->home->code);
		return DONGBO_E_INVAL;
	}

	if ((rc = store_meta_get_u64(s, txn, "clock", &x)) != 0 ||
	    (rc = store_meta_get_u64(s, txn, "head", &x)) != 0)
		return rc;
	/* An older format is read as it is; from now on its log entries may
	 * carry origins, which an older build would take for corruption:
	 * the store says it is of this format, and that build refuses it
	 * by name. */
	if (have < STORE_FORMAT) {
		unsigned char format = STORE_FORMAT;

		/* Before format 5 every roll-up kept its total, before 6 an
		 * entry per child, before 7 an entry of each unit without
		 * children: forgetting which catalog they follow rebuilds
		 * them (catalog_follow). */
		if (have < 7) {
			k = val_str("catver");
			rc = mdb_del(txn, s->dbi_meta, &k, NULL);
			if (rc != 0 && rc != MDB_NOTFOUND)
				return store_mdb_err(s, "write meta", rc);
		}

		dongbo_log_info("store: '%s': format %u upgraded to %u (what "
				"the newer formats add -- audit trail, "
				"approval states -- starts empty%s)", s->path,
				have, STORE_FORMAT,
				have < 7 ? "; roll-ups are rebuilt" : "");
		return meta_put_bytes(s, txn, "format", &format, 1);
	}
	return 0;
}

static int dbis_open(struct dongbo_store *s, MDB_txn *txn)
{
	/* A database added by a later format is created here, empty, when
	 * an older store opens (audit, format 3; approval and apseq,
	 * format 4). */
	const char *names[STORE_N_DBS] = { "meta",     "values",   "log",
					   "rollup",   "children", "dist",
					   "conflict", "rejected", "audit",
					   "approval", "apseq" };
	MDB_dbi *dbis[STORE_N_DBS] = { &s->dbi_meta,	 &s->dbi_values,
				       &s->dbi_log,	 &s->dbi_rollup,
				       &s->dbi_children, &s->dbi_dist,
				       &s->dbi_conflict, &s->dbi_rejected,
				       &s->dbi_audit,	 &s->dbi_approval,
				       &s->dbi_apseq };

	for (size_t i = 0; i < STORE_N_DBS; i++) {
		int rc = mdb_dbi_open(txn, names[i], MDB_CREATE, dbis[i]);

		if (rc != 0)
			return store_mdb_err(s, "open database", rc);
	}
	return 0;
}

/* Rebuilds the roll-ups when the catalog they follow is not s->catalog's
 * version (a new catalog, or a store of format 1). */
static int catalog_follow(struct dongbo_store *s, MDB_txn *txn)
{
	uint64_t want = s->catalog != NULL ? dongbo_catalog_version(s->catalog)
					   : 0;
	uint64_t have = UINT64_MAX; /* none: a new or format 1 store */
	MDB_val k = val_str("catver"), v;
	int rc;

	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	if (rc == 0 && v.mv_size == 8)
		have = store_get_u64(v.mv_data);
	else if (rc == 0)
		return store_corrupt(s, "meta record has a bad length");
	else if (rc != MDB_NOTFOUND)
		return store_mdb_err(s, "read meta", rc);
	if (have == want)
		return 0;
	if (have != UINT64_MAX)
		dongbo_log_info("store: catalog v%llu replaces v%llu: rebuilding "
				"roll-ups",
				(unsigned long long)want,
				(unsigned long long)have);
	return store_rebuild(s, txn);
}

int dongbo_store_set_catalog(struct dongbo_store *s,
			     const struct dongbo_catalog *cat)
{
	const struct dongbo_catalog *old = s->catalog;
	MDB_txn *txn;
	int rc;

	/* The catalog changes only under LMDB's writer lock: a write of
	 * another thread reads it, and sees one catalog throughout. */
	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	s->catalog = cat;
	rc = catalog_follow(s, txn);
	if (rc != 0) {
		s->catalog = old;
		store_txn_abort(s, txn);
		return rc;
	}
	rc = store_txn_commit(s, txn);
	if (rc == 0)
		return 0;
	/* The lock again, to put the old one back (cat is the caller's to
	 * free); failing that too, it is put back without. */
	if (store_txn_begin(s, false, &txn) == 0) {
		s->catalog = old;
		store_txn_abort(s, txn);
	} else {
		s->catalog = old;
	}
	return rc;
}

int dongbo_store_catalog_save(struct dongbo_store *s, const char *text,
			      size_t len)
{
	MDB_txn *txn;
	int rc;

	if (text == NULL || len == 0)
		return DONGBO_E_INVAL;
	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	rc = meta_put_bytes(s, txn, "catalog", text, len);
	if (rc != 0) {
		store_txn_abort(s, txn);
		return rc;
	}
	return store_txn_commit(s, txn);
}

int dongbo_store_catalog_load(struct dongbo_store *s, char **text, size_t *len)
{
	MDB_val k = val_str("catalog"), v;
	MDB_txn *txn;
	char *copy = NULL;
	int rc;

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		rc = DONGBO_E_NOTFOUND;
	} else if (rc != 0) {
		rc = store_mdb_err(s, "read meta", rc);
	} else {
		copy = malloc(v.mv_size + 1);
		if (copy == NULL) {
			rc = DONGBO_E_NOMEM;
		} else {
			memcpy(copy, v.mv_data, v.mv_size);
			copy[v.mv_size] = '\0';
			*len = v.mv_size;
		}
	}
	store_txn_abort(s, txn);
	if (rc == 0)
		*text = copy;
	return rc;
}

static int log_prune(struct dongbo_store *s, MDB_txn *txn, uint64_t seq);

/* Opens the databases and creates or checks the meta records, in one write
 * transaction so that a crash leaves either no store or a whole one. */
static int store_init(struct dongbo_store *s)
{
	MDB_txn *txn;
	MDB_val k = val_str("format"), v;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	rc = dbis_open(s, txn);
	if (rc != 0)
		goto err_after_txn;
	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		MDB_stat st;

		/* No format record yet: only an empty store may get one. */
		rc = mdb_stat(txn, s->dbi_values, &st);
		if (rc != 0) {
			rc = store_mdb_err(s, "stat", rc);
			goto err_after_txn;
		}
		if (st.ms_entries != 0) {
			rc = store_corrupt(s, "values without a format record");
			goto err_after_txn;
		}
		rc = meta_create(s, txn);
	} else if (rc == 0) {
		rc = meta_check(s, txn, &v);
	} else {
		rc = store_mdb_err(s, "read meta", rc);
	}
	if (rc != 0)
		goto err_after_txn;
	/* Without a catalog yet, the caller picks one (from its file or the
	 * one saved here) and sets it; rebuilding now would be wasted. */
	if (s->catalog != NULL && (rc = catalog_follow(s, txn)) != 0)
		goto err_after_txn;
	if (s->no_outbox && (rc = log_prune(s, txn, UINT64_MAX)) != 0)
		goto err_after_txn;
	rc = store_txn_commit(s, txn);
	if (rc != 0)
		s->is_new = false;
	return rc;

err_after_txn:
	store_txn_abort(s, txn);
	s->is_new = false;
	return rc;
}

int dongbo_store_open(const struct dongbo_store_options *opts,
		      struct dongbo_store **out)
{
	struct dongbo_store *s;
	int rc;

	if (opts == NULL || opts->path == NULL || opts->units == NULL ||
	    opts->home == NULL || opts->home->code == NULL ||
	    dongbo_units_find(opts->units, opts->home->code) != opts->home)
		return DONGBO_E_INVAL;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return DONGBO_E_NOMEM;
	if (pthread_rwlock_init(&s->map_lock, NULL) != 0) {
		free(s);
		return DONGBO_E_NOMEM;
	}
	s->units = opts->units;
	s->home = opts->home;
	s->catalog = opts->catalog;
	s->restore_if_new = opts->restore_if_new;
	s->no_outbox = opts->no_outbox;
	s->hosts = opts->hosts;
	s->n_hosts = opts->n_hosts;
	s->map_size_max = opts->map_size_max;
	if (s->map_size_max == 0)
		s->map_size_max = STORE_MAP_MAX_DEFAULT;
	if (s->map_size_max < (opts->map_size ? opts->map_size
					      : STORE_MAP_DEFAULT))
		s->map_size_max = opts->map_size ? opts->map_size
						 : STORE_MAP_DEFAULT;
	s->path = strdup(opts->path);
	if (s->path == NULL) {
		rc = DONGBO_E_NOMEM;
		goto err_after_alloc;
	}

	if (mkdir(opts->path, 0700) != 0 && errno != EEXIST) {
		dongbo_log_error("store: open '%s': %s", opts->path,
				 strerror(errno));
		rc = DONGBO_E_IO;
		goto err_after_path;
	}

	rc = mdb_env_create(&s->env);
	if (rc != 0) {
		rc = store_mdb_err(s, "open", rc);
		goto err_after_path;
	}
	if ((rc = mdb_env_set_maxdbs(s->env, STORE_N_DBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, opts->map_size ? opts->map_size
							      : STORE_MAP_DEFAULT)) != 0) {
		rc = store_mdb_err(s, "open", rc);
		goto err_after_env;
	}
	/* MDB_NOTLS: reader slots follow transactions, not threads, since a
	 * store may be used by different threads over its life (one at a
	 * time).  By default a commit is durable before we return. */
	rc = mdb_env_open(s->env, opts->path,
			  MDB_NOTLS | (opts->lazy_meta ? MDB_NOMETASYNC : 0) |
				  (opts->no_sync ? MDB_NOSYNC : 0),
			  0600);
	if (rc != 0) {
		rc = store_mdb_err(s, "open", rc);
		goto err_after_env;
	}
	rc = store_init(s);
	if (rc != 0)
		goto err_after_env;

	*out = s;
	return 0;

err_after_env:
	mdb_env_close(s->env);
	store_aggbuf_free(s);
	store_years_free(s);
err_after_path:
	free(s->path);
err_after_alloc:
	pthread_rwlock_destroy(&s->map_lock);
	free(s);
	return rc;
}

void dongbo_store_close(struct dongbo_store *s)
{
	unsigned flags = 0;

	if (s == NULL)
		return;
	/* Relaxed sync modes: what the last commits left to the OS is
	 * written before a clean stop. */
	if (mdb_env_get_flags(s->env, &flags) == 0 &&
	    (flags & (MDB_NOSYNC | MDB_NOMETASYNC)) != 0 &&
	    mdb_env_sync(s->env, 1) != 0)
		dongbo_log_warn("store: could not flush '%s' at close",
				s->path);
	mdb_env_close(s->env);
	store_aggbuf_free(s);
	store_years_free(s);
	pthread_rwlock_destroy(&s->map_lock);
	free(s->path);
	free(s);
}

const char *dongbo_store_id(const struct dongbo_store *s)
{
	return s->id;
}

bool dongbo_store_is_new(const struct dongbo_store *s)
{
	return s->is_new;
}

/* ---- Children ---- */

static int child_get(struct dongbo_store *s, MDB_txn *txn, const char *unit,
		     struct dongbo_child_state *out, bool *found)
{
	MDB_val k = val_str(unit), v;
	int rc = mdb_get(txn, s->dbi_children, &k, &v);

	if (rc == MDB_NOTFOUND) {
		*found = false;
		return 0;
	}
	if (rc != 0)
		return store_mdb_err(s, "read child", rc);
	if (store_child_decode(&k, &v, out) != 0)
		return store_corrupt(s, "child record malformed");
	*found = true;
	return 0;
}

int store_child_put(struct dongbo_store *s, MDB_txn *txn,
		    const struct dongbo_child_state *c)
{
	unsigned char buf[STORE_CHILD_LEN];
	MDB_val k = val_str(c->unit);
	MDB_val v = { .mv_size = sizeof(buf), .mv_data = buf };

	store_child_encode(c, buf);
	return store_mdb_err(s, "write child",
			     mdb_put(txn, s->dbi_children, &k, &v, 0));
}

int dongbo_store_child_get(struct dongbo_store *s, const char *unit,
			   struct dongbo_child_state *out)
{
	struct dongbo_child_state c;
	MDB_txn *txn;
	bool found = false;
	int rc;

	if (unit == NULL || unit[0] == '\0' ||
	    strnlen(unit, DONGBO_UNIT_CODE_MAX + 1) > DONGBO_UNIT_CODE_MAX)
		return DONGBO_E_NOTFOUND;
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = child_get(s, txn, unit, &c, &found);
	store_txn_abort(s, txn);
	if (rc != 0)
		return rc;
	if (!found)
		return DONGBO_E_NOTFOUND;
	*out = c;
	return 0;
}

/* Reads the cursor of a child whose identity matches, in txn; NEED_HELLO
 * otherwise. */
int store_child_session(struct dongbo_store *s, MDB_txn *txn,
			const char *unit, const char *store_id,
			struct dongbo_child_state *out)
{
	struct dongbo_child_state c;
	bool found;
	int rc;

	if (unit == NULL || store_id == NULL ||
	    strnlen(unit, DONGBO_UNIT_CODE_MAX + 1) > DONGBO_UNIT_CODE_MAX ||
	    unit[0] == '\0')
		return DONGBO_E_NEED_HELLO;
	rc = child_get(s, txn, unit, &c, &found);
	if (rc != 0)
		return rc;
	if (!found || strcmp(c.store_id, store_id) != 0)
		return DONGBO_E_NEED_HELLO;
	*out = c;
	return 0;
}

/* The unit of a child node: known, and strictly below home. */
static int child_unit_check(const struct dongbo_store *s, const char *code,
			    const struct dongbo_unit **out)
{
	const struct dongbo_unit *u;

	if (code == NULL)
		return DONGBO_E_INVAL;
	u = dongbo_units_find(s->units, code);
	if (u == NULL)
		return DONGBO_E_UNKNOWN_UNIT;
	if (u == s->home || !dongbo_unit_is_within(u, s->home))
		return DONGBO_E_OUTSIDE_SUBTREE;
	*out = u;
	return 0;
}

int dongbo_store_child_hello(struct dongbo_store *s, const char *child_unit,
			     const char *child_store_id, int64_t now_ms,
			     uint64_t *applied_seq)
{
	const struct dongbo_unit *u;
	struct dongbo_child_state c;
	MDB_txn *txn;
	bool found;
	int rc;

	/* last_seen_ms is "of the last batch stored"; a hello stores none. */
	(void)now_ms;
	rc = child_unit_check(s, child_unit, &u);
	if (rc != 0)
		return rc;
	if (child_store_id == NULL ||
	    !store_id_is_valid(child_store_id,
			       strnlen(child_store_id, DONGBO_STORE_ID_LEN + 1)))
		return DONGBO_E_INVAL;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	rc = child_get(s, txn, u->code, &c, &found);
	if (rc != 0)
		goto err_after_txn;
	if (found && strcmp(c.store_id, child_store_id) == 0) {
		/* A known session: nothing to write. */
		store_txn_abort(s, txn);
		*applied_seq = c.applied_seq;
		return 0;
	}

	/* New child, or one that lost its store: its log restarts at 1. */
	memset(&c, 0, sizeof(c));
	memcpy(c.unit, u->code, strlen(u->code) + 1);
	memcpy(c.store_id, child_store_id, DONGBO_STORE_ID_LEN + 1);
	rc = store_child_put(s, txn, &c);
	if (rc != 0)
		goto err_after_txn;
	/* What we refused from its old store is gone with it. */
	if (found && (rc = store_rejected_forget_child(s, txn, u->code)) != 0)
		goto err_after_txn;
	rc = store_txn_commit(s, txn);
	if (rc != 0)
		return rc;
	*applied_seq = 0;
	return 0;

err_after_txn:
	store_txn_abort(s, txn);
	return rc;
}

int store_walk(struct dongbo_store *s, MDB_txn *txn, MDB_dbi dbi,
	       const void *prefix, size_t len, const char *what,
	       int (*fn)(void *arg, const MDB_val *k, const MDB_val *v),
	       void *arg)
{
	MDB_cursor *cur;
	MDB_val k = { .mv_size = len, .mv_data = (void *)prefix }, v;
	int rc, op = len > 0 ? MDB_SET_RANGE : MDB_FIRST;

	rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	for (;; op = MDB_NEXT) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = store_mdb_err(s, what, rc);
			break;
		}
		if (len > 0 &&
		    (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0))
			break;
		rc = fn(arg, &k, &v);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc;
}

int store_walk_read(struct dongbo_store *s, MDB_dbi dbi, const void *prefix,
		    size_t len, const char *what,
		    int (*fn)(void *arg, const MDB_val *k, const MDB_val *v),
		    void *arg)
{
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = store_walk(s, txn, dbi, prefix, len, what, fn, arg);
	store_txn_abort(s, txn);
	return rc;
}

struct children_walk {
	struct dongbo_store *s;
	int (*cb)(void *arg, const struct dongbo_child_state *c);
	void *arg;
};

static int children_entry(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct children_walk *w = arg;
	struct dongbo_child_state c;

	if (store_child_decode(k, v, &c) != 0)
		return store_corrupt(w->s, "child record malformed");
	return w->cb(w->arg, &c);
}

int dongbo_store_children(struct dongbo_store *s,
			  int (*cb)(void *arg, const struct dongbo_child_state *c),
			  void *arg)
{
	struct children_walk w = { .s = s, .cb = cb, .arg = arg };

	return store_walk_read(s, s->dbi_children, NULL, 0, "read children",
			       children_entry, &w);
}

/* ---- Uplink ---- */

int store_log_first(struct dongbo_store *s, MDB_txn *txn, uint64_t head,
		    uint64_t *out)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->dbi_log, &cur);

	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		*out = head + 1;
		return 0;
	}
	if (rc != 0)
		return store_mdb_err(s, "read log", rc);
	if (k.mv_size != 8)
		return store_corrupt(s, "log key malformed");
	*out = store_get_u64(k.mv_data);
	return 0;
}

/* The uplink record: acked_seq, last_ack_ms, parent store id. */
static int uplink_read(struct dongbo_store *s, MDB_txn *txn,
		       struct dongbo_uplink_state *st)
{
	MDB_val k = val_str("uplink"), v;
	int rc = mdb_get(txn, s->dbi_meta, &k, &v);
	const unsigned char *p;

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_err(s, "read uplink", rc);
	if ((v.mv_size != STORE_UPLINK_LEN &&
	     v.mv_size != STORE_UPLINK_LEN + DONGBO_STORE_ID_LEN) ||
	    (v.mv_size > STORE_UPLINK_LEN &&
	     !store_id_is_valid((const char *)v.mv_data + STORE_UPLINK_LEN,
				DONGBO_STORE_ID_LEN)))
		return store_corrupt(s, "uplink record malformed");
	p = v.mv_data;
	st->acked_seq = store_get_u64(p);
	st->last_ack_ms = store_get_i64(p + 8);
	memcpy(st->parent_store_id, p + STORE_UPLINK_LEN,
	       v.mv_size - STORE_UPLINK_LEN);
	st->parent_store_id[v.mv_size - STORE_UPLINK_LEN] = '\0';
	return 0;
}

/* When the first entry after acked was accepted; 0 when none waits. */
static int oldest_waiting(struct dongbo_store *s, MDB_txn *txn,
			  uint64_t acked, int64_t *out)
{
	unsigned char kbuf[8];
	MDB_val k = { .mv_size = sizeof(kbuf), .mv_data = kbuf }, v;
	MDB_cursor *cur;
	struct dongbo_record r;
	struct dongbo_approval ap;
	int rc;

	*out = 0;
	if (acked == UINT64_MAX)
		return 0;
	store_put_u64(kbuf, acked + 1);
	rc = mdb_cursor_open(txn, s->dbi_log, &cur);
	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_err(s, "read log", rc);
	if (store_log_decode(&k, &v, &r, &ap) != 0)
		return store_corrupt(s, "log entry malformed");
	*out = r.at_ms;
	return 0;
}

int dongbo_store_uplink_state(struct dongbo_store *s,
			      struct dongbo_uplink_state *out)
{
	struct dongbo_uplink_state st;
	MDB_txn *txn;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	if ((rc = store_meta_get_u64(s, txn, "head", &st.head_seq)) != 0 ||
	    (rc = uplink_read(s, txn, &st)) != 0 ||
	    (rc = store_log_first(s, txn, st.head_seq, &st.log_first)) != 0 ||
	    (rc = oldest_waiting(s, txn, st.acked_seq, &st.oldest_ms)) != 0)
		goto done;
	st.waiting = st.head_seq > st.acked_seq ? st.head_seq - st.acked_seq
						 : 0;
done:
	store_txn_abort(s, txn);
	if (rc == 0)
		*out = st;
	return rc;
}

/* Deletes the log entries up to seq (the parent has them). */
static int log_prune(struct dongbo_store *s, MDB_txn *txn, uint64_t seq)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->dbi_log, &cur);

	if (rc != 0)
		return store_mdb_err(s, "open cursor", rc);
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
		if (k.mv_size != 8) {
			mdb_cursor_close(cur);
			return store_corrupt(s, "log key malformed");
		}
		if (store_get_u64(k.mv_data) > seq)
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	return store_mdb_err(s, "prune log", rc);
}

/* Keeps what our parent refused, unless the key was written since. */
static int rejected_keep_ours(struct dongbo_store *s, MDB_txn *txn,
			      const struct dongbo_rejection *rej, size_t n_rej,
			      int64_t now_ms)
{
	for (size_t i = 0; i < n_rej; i++) {
		char key[STORE_KEY_MAX];
		size_t len;
		MDB_val k, v;
		struct store_value cur;
		int rc = store_key_value(&rej[i].rec, key, &len);

		if (rc != 0)
			return rc;
		k.mv_size = len;
		k.mv_data = key;
		rc = mdb_get(txn, s->dbi_values, &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return store_mdb_err(s, "read value", rc);
		if (store_value_decode(&v, &cur) != 0)
			return store_corrupt(s, "value record malformed");
		if (cur.version != rej[i].rec.version)
			continue; /* superseded: the newer one is on its way */
		if ((rc = store_key_rejected(STORE_REJ_OURS, NULL, &rej[i].rec,
					     key, &len)) != 0 ||
		    (rc = store_rejected_put(s, txn, key, len, &rej[i],
					     now_ms)) != 0)
			return rc;
	}
	return 0;
}

/* The acknowledgement's writes, in txn. */
static int uplink_ack_in(struct dongbo_store *s, MDB_txn *txn,
			 const char *parent_store_id, uint64_t acked_seq,
			 int64_t now_ms, const struct dongbo_rejection *rej,
			 size_t n_rej)
{
	unsigned char buf[STORE_UPLINK_LEN + DONGBO_STORE_ID_LEN];
	int rc;

	store_put_u64(buf, acked_seq);
	store_put_i64(buf + 8, now_ms);
	memcpy(buf + STORE_UPLINK_LEN, parent_store_id, DONGBO_STORE_ID_LEN);
	if ((rc = meta_put_bytes(s, txn, "uplink", buf, sizeof(buf))) != 0 ||
	    (rc = rejected_keep_ours(s, txn, rej, n_rej, now_ms)) != 0)
		return rc;
	return log_prune(s, txn, acked_seq);
}

static int uplink_ack_once(struct dongbo_store *s, const char *parent_store_id,
			   uint64_t acked_seq, int64_t now_ms,
			   const struct dongbo_rejection *rej, size_t n_rej)
{
	MDB_txn *txn;
	int rc;

	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	rc = uplink_ack_in(s, txn, parent_store_id, acked_seq, now_ms, rej,
			   n_rej);
	if (rc != 0) {
		store_txn_abort(s, txn);
		return rc;
	}
	return store_txn_commit(s, txn);
}

int dongbo_store_uplink_ack(struct dongbo_store *s, const char *parent_store_id,
			    uint64_t acked_seq, int64_t now_ms,
			    const struct dongbo_rejection *rej, size_t n_rej)
{
	int rc;

	if (parent_store_id == NULL ||
	    !store_id_is_valid(parent_store_id,
			       strnlen(parent_store_id, DONGBO_STORE_ID_LEN + 1)) ||
	    (n_rej > 0 && rej == NULL))
		return DONGBO_E_INVAL;
	do
		rc = uplink_ack_once(s, parent_store_id, acked_seq, now_ms,
				     rej, n_rej);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	return rc;
}

static int uplink_advance_once(struct dongbo_store *s,
			       const char *parent_store_id, uint64_t acked_seq,
			       int64_t now_ms, bool (*still)(void *arg),
			       void *arg, bool *moved)
{
	struct dongbo_uplink_state st;
	MDB_txn *txn;
	int rc;

	*moved = false;
	memset(&st, 0, sizeof(st));
	rc = store_txn_begin(s, false, &txn);
	if (rc != 0)
		return rc;
	/* Under LMDB's writer lock: every uplink write made before this
	 * one is read here, and any made after it comes after. */
	if ((rc = uplink_read(s, txn, &st)) != 0)
		goto abort;
	if (strcmp(st.parent_store_id, parent_store_id) != 0 ||
	    acked_seq <= st.acked_seq || (still != NULL && !still(arg)))
		goto abort; /* rc 0: nothing to write */
	rc = uplink_ack_in(s, txn, parent_store_id, acked_seq, now_ms, NULL,
			   0);
	if (rc != 0)
		goto abort;
	rc = store_txn_commit(s, txn);
	*moved = rc == 0;
	return rc;
abort:
	store_txn_abort(s, txn);
	return rc;
}

int dongbo_store_uplink_advance(struct dongbo_store *s,
				const char *parent_store_id,
				uint64_t acked_seq, int64_t now_ms,
				bool (*still)(void *arg), void *arg,
				bool *moved)
{
	bool m = false;
	int rc;

	if (parent_store_id == NULL ||
	    !store_id_is_valid(parent_store_id,
			       strnlen(parent_store_id, DONGBO_STORE_ID_LEN + 1)))
		return DONGBO_E_INVAL;
	do
		rc = uplink_advance_once(s, parent_store_id, acked_seq, now_ms,
					 still, arg, &m);
	while (rc == DONGBO_E_MAP_FULL && store_map_grow(s, true) == 0);
	if (moved != NULL)
		*moved = m;
	return rc;
}

/* ---- Restore ---- */

int store_restore_progress_put(struct dongbo_store *s, MDB_txn *txn,
			       const char *progress)
{
	MDB_val k = val_str("restore");
	int rc;

	if (progress != NULL)
		return meta_put_bytes(s, txn, "restore", progress,
				      strlen(progress));
	rc = mdb_del(txn, s->dbi_meta, &k, NULL);
	return store_mdb_err(s, "write meta", rc == MDB_NOTFOUND ? 0 : rc);
}

int dongbo_store_restore_request(struct dongbo_store *s)
{
	MDB_txn *txn;
	int rc = store_txn_begin(s, false, &txn);

	if (rc != 0)
		return rc;
	if ((rc = store_restore_progress_put(s, txn, "")) != 0) {
		store_txn_abort(s, txn);
		return rc;
	}
	return store_txn_commit(s, txn);
}

int dongbo_store_restore_state(struct dongbo_store *s, char *buf, size_t cap)
{
	MDB_val k = val_str("restore"), v;
	MDB_txn *txn;
	int rc = store_txn_begin(s, true, &txn);

	if (rc != 0)
		return rc;
	rc = mdb_get(txn, s->dbi_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		rc = DONGBO_E_NOTFOUND;
	} else if (rc != 0) {
		rc = store_mdb_err(s, "read meta", rc);
	} else if (v.mv_size >= cap) {
		rc = DONGBO_E_TOOBIG;
	} else {
		memcpy(buf, v.mv_data, v.mv_size);
		buf[v.mv_size] = '\0';
	}
	store_txn_abort(s, txn);
	return rc;
}

/* ---- Reading ---- */

int dongbo_store_log_read(struct dongbo_store *s, uint64_t after_seq,
			  size_t max_n,
			  int (*cb)(void *arg, const struct dongbo_record *rec),
			  void *arg, size_t *n_read)
{
	unsigned char kbuf[8];
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k = { .mv_size = sizeof(kbuf), .mv_data = kbuf }, v;
	size_t n = 0;
	int rc, op;

	if (after_seq == UINT64_MAX || max_n == 0)
		goto out;
	store_put_u64(kbuf, after_seq + 1);

	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_open(txn, s->dbi_log, &cur);
	if (rc != 0) {
		rc = store_mdb_err(s, "open cursor", rc);
		goto err_after_txn;
	}
	for (op = MDB_SET_RANGE; n < max_n; op = MDB_NEXT) {
		struct dongbo_record r;
		struct dongbo_approval ap;

		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc != 0) {
			rc = store_mdb_err(s, "read log", rc);
			goto err_after_cursor;
		}
		if (store_log_decode(&k, &v, &r, &ap) != 0) {
			rc = store_corrupt(s, "log entry malformed");
			goto err_after_cursor;
		}
		n++;
		rc = cb(arg, &r);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	store_txn_abort(s, txn);
	/* A walk stopped by cb is not a failure: the caller learns how far
	 * it went. */
	if (n_read != NULL)
		*n_read = n;
	return rc;

err_after_cursor:
	mdb_cursor_close(cur);
err_after_txn:
	store_txn_abort(s, txn);
	return rc;
out:
	if (n_read != NULL)
		*n_read = 0;
	return 0;
}

int dongbo_store_get(struct dongbo_store *s, const char *unit,
		     const char *indicator, const char *period, bool stated,
		     struct dongbo_value *out)
{
	struct dongbo_record probe = { .unit = unit, .indicator = indicator,
				       .period = period, .stated = stated };
	char kbuf[STORE_KEY_MAX];
	struct store_value sv;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	/* A key that cannot be built cannot have been stored either. */
	rc = store_key_value(&probe, kbuf, &k.mv_size);
	if (rc != 0)
		return DONGBO_E_NOTFOUND;
	k.mv_data = kbuf;
	rc = store_txn_begin(s, true, &txn);
	if (rc != 0)
		return rc;
	rc = mdb_get(txn, s->dbi_values, &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = DONGBO_E_NOTFOUND;
	else if (rc != 0)
		rc = store_mdb_err(s, "read value", rc);
	else if (store_value_decode(&v, &sv) != 0)
		rc = store_corrupt(s, "value record malformed");
	store_txn_abort(s, txn);
	if (rc != 0)
		return rc;
	out->value = sv.value;
	out->version = sv.version;
	out->deleted = sv.deleted;
	return 0;
}

bool dongbo_store_id_is_valid(const char *s)
{
	return s != NULL && store_id_is_valid(s, strlen(s));
}
