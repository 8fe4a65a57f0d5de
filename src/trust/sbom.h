#ifndef SPROUT_SBOM_H
#define SPROUT_SBOM_H

#include "build/plan.h"
#include "core/util.h"

/* An SPDX 2.3 JSON document of what a build of plan p for arch produced
 * (docs/trust.md, "sbom"): a package per step and per source, the patches
 * as files, the relationships between them, and every regular file of the
 * plan's final step with its SHA1 and SHA256. Reads the outputs from the
 * store under statedir; SPROUT_ERR_NOTFOUND (errf names the step) when a step is
 * not built. Appends the document to out. 0 or negative code. */
int sbom_write(const struct plan *p, const char *arch, const char *statedir, const char *tool, struct buf *out);

/* Append s to out as a JSON string (quoted and escaped; bytes that are not
 * UTF-8 are written as the code points U+0080..U+00FF). */
void sbom_json_str(struct buf *out, const char *s, size_t n);

#endif
