#ifndef SPROUT_DEBSRC_H
#define SPROUT_DEBSRC_H

/* The Debian source package origin: the host's apt-get, run in a private
 * configuration under STATE/apt/ so that the host's own is never changed. */

struct buf;
struct fetch_ctx;

/* Download file from source package pkg=version with apt-get source into a
 * fresh directory in ctx->distdir (".FILE.apt.PID.XXXXXX", removed again)
 * and move it to tmp, a name in ctx->distdir. apt-get update runs first
 * when the derived sources changed or the lists are a day old, and once
 * more when apt-get source fails on older lists. Holds ctx->statedir/apt/lock
 * while working. 0, or -errno with why saying what happened (apt's "E:"
 * line, the log's path, in verbose mode the log's last lines). */
int debsrc_get(const struct fetch_ctx *ctx, const char *pkg, const char *version,
	       const char *file, const char *tmp, struct buf *why);

/* Append to out the one-line "deb-src" entries of a private apt sources
 * list derived from the archives configured under etcdir (normally
 * /etc/apt): sources.list, sources.list.d/ *.list (one-line format) and
 * *.sources (deb822, stanzas whose Types hold deb or deb-src); other files
 * are skipped. A key embedded in a Signed-By field is written into keydir
 * (NULL: such stanzas are skipped). 0 or -errno (errf names the file). */
int debsrc_derive_sources(const char *etcdir, const char *keydir, struct buf *out);

#endif
