#ifndef SPROUT_ESCAPE_H
#define SPROUT_ESCAPE_H

#include <stddef.h>

/* Making input safe to show on a terminal. Whatever sprout echoes from a
 * file it did not write (a recipe or plan word, an archive member's name, a
 * package's manifest path, a log's tail) goes through here, so that hostile
 * bytes cannot move the cursor, retitle the window or hide a line. */

struct buf;

/* Whether the n bytes at s need escaping: any C0 control (but tab when
 * keep_ws, and newline too when keep_ws > 1), DEL, a C1 control (as a byte
 * or as UTF-8 U+0080..U+009F) or a byte that is not part of valid UTF-8. */
int esc_needed(const char *s, size_t n, int keep_ws);

/* Append the n bytes at s to out with every byte that esc_needed objects to
 * written as \xHH; valid UTF-8 text otherwise stays as it is. Backslashes
 * are not doubled: this is for people reading, not for parsing back. */
void esc_add(struct buf *out, const char *s, size_t n, int keep_ws);

/* esc_add into a new NUL-terminated string (caller frees). */
char *esc_dup(const char *s, size_t n, int keep_ws);

/* Escape the NUL-terminated string in buffer s of size cap in place, cut
 * to fit (never in the middle of an escape). For fixed message buffers. */
void esc_inplace(char *s, size_t cap, int keep_ws);

#endif
