#ifndef SPROUT_TRACE_H
#define SPROUT_TRACE_H

#include "build/recipe.h"

/* A step's script runs traced (sh -x): its log holds "+ CMD" before each
 * command the script's shell runs, CMD as expanded. After a failure, the
 * last of them is the command that failed (the script runs with -e). */

/* The last command traced in the log text into *cmd (caller frees), and
 * the line of the recipe file where it is in b's script into *line (0 when
 * it cannot be told): the script's lines are matched to the traced
 * commands in order, by the command's name. 0, or -ENOENT when the log
 * traces no command. */
int trace_failed_command(const char *log, size_t len, const struct build *b, char **cmd, int *line);

#endif
