#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/strmap.h"
#include "core/util.h"

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* The slot of key in m (m->cap > 0): where it is, or the empty one where it would go. */
static size_t slot(const struct strmap *m, const char *key, size_t len)
{
	size_t i = hash(key, len) & (m->cap - 1);
	while (m->keys[i] && (strncmp(m->keys[i], key, len) || m->keys[i][len]))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void grow(struct strmap *m)
{
	struct strmap g = {0};
	g.cap = m->cap ? m->cap * 2 : 16;
	g.keys = xcalloc(g.cap, sizeof *g.keys);
	g.vals = xcalloc(g.cap, sizeof *g.vals);
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t k = slot(&g, m->keys[i], strlen(m->keys[i]));
			g.keys[k] = m->keys[i];
			g.vals[k] = m->vals[i];
		}
	g.n = m->n;
	free(m->keys);
	free(m->vals);
	*m = g;
}

void strmap_put(struct strmap *m, const char *key, int val)
{
	if (2 * (m->n + 1) > m->cap)
		grow(m);
	size_t k = slot(m, key, strlen(key));
	if (!m->keys[k]) {
		m->keys[k] = key;
		m->n++;
	}
	m->vals[k] = val;
}

int strmap_getn(const struct strmap *m, const char *key, size_t len)
{
	if (!m->cap)
		return -1;
	size_t k = slot(m, key, len);
	return m->keys[k] ? m->vals[k] : -1;
}

int strmap_get(const struct strmap *m, const char *key)
{
	return strmap_getn(m, key, strlen(key));
}

void strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}
