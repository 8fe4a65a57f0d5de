/* VM mode: enter what the VM built into the host's store, each record of
 * the results disk checked first (docs/modes.md, "Back on the host"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/tar.h"
#include "build/cache.h"
#include "build/manifest.h"
#include "build/state.h"
#include "core/err.h"
#include "core/util.h"
#include "vm/results.h"
#include "vm/vmmode.h"

/* The file dir/name into b without its last newline. */
static int read_trimmed(const char *dir, const char *name, struct buf *b)
{
	char *f = path_join(dir, name);
	int r = file_read(f, b);
	free(f);
	if (!r && b->len && b->s[b->len - 1] == '\n')
		b->s[--b->len] = 0;
	return r;
}

/* Check the step's files unpacked in tmp against its record and the
 * host's inputs; then move them into the store. */
static int check_and_store(const struct plan *p, const char *arch, const char *statedir, int i,
			   const struct vm_record *rec, const char *tmp, const char *inputs, struct buf *diff)
{
	const char *name = p->steps[i].name;
	struct buf m = {0}, theirs = {0}, dg = {0}, in = {0};
	char *out = path_join(tmp, "out"), *dst = state_store(statedir, rec->key, NULL);
	char *store = state_path(statedir, "store");
	char hex[65];
	int r = manifest_build(out, &m);
	if (r) {
		r = errf(r, "step %s from the VM: %s", name, err_msg(r));
		goto out;
	}
	manifest_digest(&m, hex);
	char *mf = path_join(tmp, "manifest"), *inf = path_join(tmp, "inputs");
	int bad = file_read(mf, &theirs) || file_read(inf, &in) || read_trimmed(tmp, "digest", &dg);
	free(mf);
	free(inf);
	if (bad) {
		r = errf(SPROUT_ERR_FORMAT, "step %s from the VM: its record lacks the manifest, digest or inputs", name);
		goto out;
	}
	if (strcmp(theirs.s ? theirs.s : "", m.s ? m.s : "")) {
		if (diff)
			manifest_diff(theirs.s ? theirs.s : "", m.s ? m.s : "", diff);
		r = errf(SPROUT_ERR_HASH, "step %s from the VM: its files are not those its manifest lists", name);
		goto out;
	}
	if (strcmp(hex, rec->digest) || strcmp(dg.s ? dg.s : "", hex)) {
		r = errf(SPROUT_ERR_HASH, "step %s from the VM: digest %s in its record, %s of its manifest", name,
			 rec->digest, hex);
		goto out;
	}
	if (strcmp(in.s ? in.s : "", inputs)) {
		r = errf(SPROUT_ERR_HASH, "step %s from the VM: built from other inputs than the host's", name);
		goto out;
	}
	r = mkdir_p(store, 0755);
	if (!r) /* whole on the disk before it is the step's (as engine_commit) */
		r = fs_sync(tmp);
	if (!r && rename(tmp, dst) < 0)
		r = -errno;
	if (!r) {
		dir_sync(store);
		r = state_set_last(statedir, p->name, arch, name, rec->key);
	}
	if (r)
		r = errf(r, "cannot store the output of %s: %s", name, err_str(r));
out:
	buf_free(&m);
	buf_free(&theirs);
	buf_free(&dg);
	buf_free(&in);
	free(out);
	free(dst);
	free(store);
	return r;
}

/* Enter record k (its tar at tars/K.tar) of step i, whose key the host
 * computed as key with inputs. */
static int import_one(const struct plan *p, const char *arch, const char *statedir, int i, const struct vm_record *rec,
		      const char *tar, const char *inputs, struct buf *diff)
{
	char *tmp = state_tmp(statedir, rec->key);
	rm_rf(tmp);
	int r = mkdir_p(tmp, 0755);
	if (!r)
		r = tar_extract(tar, tmp);
	if (r)
		r = errf(r, "step %s from the VM: %s", p->steps[i].name, err_msg(r));
	else
		r = check_and_store(p, arch, statedir, i, rec, tmp, inputs, diff);
	if (r)
		rm_rf(tmp);
	free(tmp);
	return r;
}

/* The host's key for step i of the record, or an error naming why not. */
static int host_key(const struct plan *p, const char *arch, const char *statedir, int i, const struct vm_record *rec,
		    char (*keys)[65], char **inputs)
{
	const char *name = p->steps[i].name;
	cache_keys(p, arch, statedir, keys, NULL, inputs);
	if (!keys[i][0])
		return errf(SPROUT_ERR_FORMAT, "step %s from the VM: what it depends on is not in the store", name);
	if (strcmp(keys[i], rec->key))
		return errf(SPROUT_ERR_HASH, "step %s from the VM: built with key %.12s, the host's is %.12s (other inputs)",
			    name, rec->key, keys[i]);
	return 0;
}

int vm_import(const struct plan *p, const char *arch, const char *statedir, const char *results, long long base,
	      const char *work, struct vm_imported **rows, size_t *n, int *torn, struct buf *diff)
{
	struct vm_record *recs = NULL;
	size_t nrec = 0;
	char(*keys)[65] = xcalloc(p->nsteps + 1, sizeof *keys);
	char **inputs = xcalloc(p->nsteps + 1, sizeof *inputs);
	*rows = NULL;
	*n = 0;
	rm_rf(work);
	int r = vm_results_read(results, base, work, &recs, &nrec, torn);
	if (!r && nrec)
		*rows = xcalloc(nrec, sizeof **rows);
	for (size_t k = 0; !r && k < nrec; k++) {
		int i = plan_step_index(p, recs[k].step);
		if (i < 0) {
			r = errf(SPROUT_ERR_NOTFOUND, "the results disk has a step %s that plan %s lacks", recs[k].step,
				 p->name);
			break;
		}
		for (size_t j = 0; j < p->nsteps; j++) {
			free(inputs[j]);
			inputs[j] = NULL;
		}
		r = host_key(p, arch, statedir, i, &recs[k], keys, inputs);
		if (r)
			break;
		struct vm_imported *row = &(*rows)[*n];
		row->step = i;
		row->secs = recs[k].secs;
		memcpy(row->digest, recs[k].digest, 65);
		char have[65];
		if (cache_has(statedir, keys[i]) && !cache_digest(statedir, keys[i], have)) {
			if (strcmp(have, recs[k].digest))
				r = errf(SPROUT_ERR_HASH, "step %s from the VM: digest %.12s, the store has %.12s for its key",
					 recs[k].step, recs[k].digest, have);
			row->already = 1;
		} else {
			char *tar = xasprintf("%s/%zu.tar", work, k);
			r = import_one(p, arch, statedir, i, &recs[k], tar, inputs[i] ? inputs[i] : "", diff);
			free(tar);
		}
		if (!r)
			(*n)++;
	}
	for (size_t j = 0; j < p->nsteps; j++)
		free(inputs[j]);
	free(inputs);
	free(keys);
	free(recs);
	rm_rf(work);
	return r;
}
