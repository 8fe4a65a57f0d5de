#include <stdlib.h>
#include <string.h>

#include "build/cache.h"
#include "build/state.h"
#include "core/util.h"
#include "trust/out.h"

void trust_out_read(const char *state, const char *key, struct trust_out *o)
{
	struct buf b = {0};
	char *mp = state_store(state, key, "manifest");
	if (cache_digest(state, key, o->digest))
		o->digest[0] = 0;
	o->manifest = NULL;
	if (!file_read(mp, &b))
		o->manifest = buf_take(&b);
	buf_free(&b);
	free(mp);
}

void trust_outs_free(struct trust_out *o, size_t n)
{
	if (!o)
		return;
	for (size_t i = 0; i < n; i++)
		free(o[i].manifest);
	free(o);
}

int trust_out_same(const struct trust_out *a, const struct trust_out *b)
{
	return a->digest[0] && !strcmp(a->digest, b->digest);
}
