#ifndef SPROUT_CMD_CACHE_H
#define SPROUT_CMD_CACHE_H

#include "dist/dist.h"

struct ctx;
struct buf;

/* Set d up with the command's shared caches (--cache, sprout.conf) and,
 * when there is one, make it e's remote. 1 when it did, else 0; free d
 * with dist_free either way. */
int cmd_cache_attach(struct ctx *c, struct dist *d, struct engine *e);

/* With --farm (c->farm): the compiler's environment for the farm (made
 * when missing) into *env (the caller frees it; e keeps a pointer to it),
 * and e's host-stage steps sent through the farm's socket. 0 or a
 * negative code (errf set). */
int cmd_farm_attach(struct ctx *c, struct engine *e, char **env);

/* The line (with its newline) that reports a cache note. */
void cmd_cache_note_text(enum dist_note kind, const char *url, const char *step, const char *msg, struct buf *b);

#endif
