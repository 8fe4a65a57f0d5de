#ifndef SPROUT_TRASH_H
#define SPROUT_TRASH_H

/* What a run throws away (a finished step's build tree, a failed step's
 * unfinished output, what a dead run left in STATE/tmp): renamed into
 * STATE/trash at once, whatever its size, and deleted after the run by a
 * process of its own. No step waits for a deletion (a GCC build tree takes
 * minutes to delete), and neither does the command's end. Nothing in the
 * trash is ever read. */

/* Move path (below statedir, on its file system) into STATE/trash; what
 * cannot be moved is deleted on the spot. 0 or negative code. */
int trash_put(const char *statedir, const char *path);

/* Start deleting what STATE/trash holds, in the background: it is renamed
 * to STATE/deleting/ID, and a process of its own that outlives the caller
 * (it holds none of the caller's descriptors, so not the state lock)
 * deletes everything under STATE/deleting at the lowest priority, with
 * what deleters that died left. Call it from a process with no other
 * threads. 0, or a negative code when nothing could be started (the
 * trash is then left for the next run). The tests' hook: with
 * SPROUT_TRASH_HOLD=FILE, the deleter deletes nothing before FILE exists
 * (60 s at most). */
int trash_empty_later(const char *statedir);

/* The background deletions of statedir still running: 1 while
 * STATE/deleting holds anything, else 0. */
int trash_busy(const char *statedir);

#endif
