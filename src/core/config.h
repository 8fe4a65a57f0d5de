#ifndef SPROUT_CONFIG_H
#define SPROUT_CONFIG_H

#include <stddef.h>

/* sprout.conf (docs/config.md): "key = value" lines read from the
 * system-wide file, the user's file and -c FILE, then overridden by the
 * command line. Each effective value remembers where it came from. */

enum config_src {
	CONFIG_DEFAULT,  /* not set anywhere */
	CONFIG_SYSTEM,   /* /etc/sprout.conf, or $SPROUT_SYSTEM_CONFIG */
	CONFIG_USER,     /* $XDG_CONFIG_HOME/sprout/sprout.conf */
	CONFIG_FILE,     /* -c FILE */
	CONFIG_CMDLINE,  /* an option */
};

struct config_entry {
	char *key, *value;
	enum config_src src;
	char *file;             /* the file that set it, or the option's name */
	int line;               /* its line in file, 0 for the command line */
};

struct config_file {
	char *path;
	enum config_src src;
	int found;              /* whether it existed and was read */
	int err;                /* else why not (-errno) */
};

struct config {
	struct config_entry *v; /* effective entries; mirrors in order */
	size_t n;
	struct config_file files[3];
	size_t nfiles;
};

/* The keys a file may set, NULL-terminated (static). */
extern const char *const config_keys[];

/* The system-wide file ($SPROUT_SYSTEM_CONFIG, else /etc/sprout.conf) and
 * the user's ($XDG_CONFIG_HOME/sprout/sprout.conf, else
 * ~/.config/sprout/sprout.conf, or NULL without a home). Caller frees. */
char *config_system_path(void);
char *config_user_path(void);

/* Read the file at path as layer src over what cf holds. A missing or
 * unreadable file is noted and skipped unless must_exist. 0, SPROUT_ERR_PARSE with
 * "path:line:col: message", or -errno (errf set). */
int config_load_file(struct config *cf, const char *path, enum config_src src, int must_exist);

/* Set key from the command line (what) over every file. A "mirror" (or
 * "cache") set this way replaces the files' mirrors (caches); later ones
 * are added after it. */
void config_set(struct config *cf, const char *key, const char *value, const char *what);

/* The effective value of a one-valued key, or NULL. */
const char *config_get(const struct config *cf, const char *key);
/* Its entry, or NULL. */
const struct config_entry *config_find(const struct config *cf, const char *key);
/* Every effective mirror in order, NULL-terminated; the caller frees the
 * array, the strings are cf's. */
char **config_mirrors(const struct config *cf);
/* Every effective value of key (a repeatable one: "mirror", "cache") in
 * order, NULL-terminated; the caller frees the array, the strings are cf's. */
char **config_all(const struct config *cf, const char *key);

/* "system file", "user file", "-c file", "command line" or "default". Static. */
const char *config_src_name(enum config_src src);

void config_free(struct config *cf);

#endif
