#ifndef SPROUT_DIST_H
#define SPROUT_DIST_H

#include "build/engine.h"
#include "fetch/http.h"

/* The shared step cache (docs/cache.md, "The shared cache"): finished
 * steps kept on plain HTTP servers that accept PUT (WebDAV), addressed by
 * step key, each entry signed with a package signing key (docs/package.md).
 * A pulled entry is used only when its signature is by a trusted key and
 * its archive unpacks to exactly its signed manifest. It reports through
 * a callback and prints nothing. */

#define DIST_ENTRY_VERSION "sprout-cache-entry 1"

enum dist_note {
	DIST_PULLING,      /* an entry was found and is being downloaded */
	DIST_REFUSED,      /* an entry is there but not used; msg says why */
	DIST_GONE,         /* the cache stopped answering: not asked again this run; msg says what happened */
	DIST_PUSHED,       /* push: an entry uploaded */
	DIST_PRESENT,      /* push: the cache has that entry already */
};

struct dist_cache {
	char *url;              /* without a trailing slash */
	int gone;               /* stopped answering: skipped for the rest of the run */
};

struct dist {
	struct dist_cache *caches;
	size_t ncaches;
	const char *statedir;   /* temporary files go to STATE/tmp */
	const char *trust;      /* the directory of trusted public keys (*.pub), or NULL: nothing pulled */
	struct http_opts http;
	void (*on_note)(void *arg, enum dist_note kind, const char *url, const char *step, const char *msg);
	void *arg;
	struct engine_remote remote; /* dist_engine_pull with this dist */
};

/* The entry's statement, signed (docs/cache.md). */
struct dist_entry {
	char key[65];
	char step[256];
	char digest[65];        /* the manifest's sha256: the step's output digest */
	char archive[65];       /* the archive's sha256 */
	long long size;         /* the archive's bytes */
};

/* Set d up for the caches at urls (NULL-terminated, tried in order),
 * trusting the public keys in trust (or none when NULL), with timeouts of
 * timeout seconds (0: $SPROUT_CACHE_TIMEOUT, else the default). d keeps
 * the pointers given. */
void dist_init(struct dist *d, const char *statedir, char **urls, const char *trust, int timeout);
void dist_free(struct dist *d);

/* The line (with its newline) that reports a note to a person, into b. */
void dist_note_text(enum dist_note kind, const char *url, const char *step, const char *msg, struct buf *b);

/* The engine's hook: e->remote = dist_engine(d) pulls through d. */
const struct engine_remote *dist_engine(struct dist *d);

/* Fill outdir (an empty directory) with the output of the step whose key
 * is key, from the first cache that has a good entry; step names it in
 * notes. *from is that cache's URL (d's). 0; SPROUT_ERR_NOTFOUND when no
 * cache had one (refusals and caches gone reported through on_note). */
int dist_pull(struct dist *d, const char *key, const char *step, const char *outdir, const char **from);

/* Upload the stored output of key (STATE/store/KEY) as step to the cache
 * at url, signed with the secret key file seckey: 0 when uploaded, 1 when
 * the cache had it already; a negative code (errf set). */
int dist_push(struct dist *d, const char *url, const char *key, const char *step, const char *seckey);

/* The entry's text into out. */
void dist_entry_format(const struct dist_entry *en, struct buf *out);
/* Parse an entry's text. 0, or SPROUT_ERR_FORMAT (errf says which line). */
int dist_entry_parse(const char *s, size_t n, struct dist_entry *en);

#endif
