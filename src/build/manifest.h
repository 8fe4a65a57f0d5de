#ifndef SPROUT_MANIFEST_H
#define SPROUT_MANIFEST_H

#include "core/util.h"

/* Write the manifest of the tree at dir into out (docs/manifest.md): one
 * line per entry, sorted bytewise by path. Devices, fifos and sockets are
 * an error (SPROUT_ERR_FORMAT naming the path). 0 or negative code. */
int manifest_build(const char *dir, struct buf *out);

/* The digest of a manifest: lower-case hex sha256 of its bytes. */
void manifest_digest(const struct buf *m, char hex[65]);

/* Append to out the paths whose lines differ between manifests a and b
 * (added, removed or changed), one per line with a +, - or ~ prefix. */
void manifest_diff(const char *a, const char *b, struct buf *out);

#endif
