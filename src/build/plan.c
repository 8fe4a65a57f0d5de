#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/lex.h"
#include "build/plan.h"
#include "core/util.h"

/* The plan format is specified in docs/plans.md. */

static const char *const STAGES[] = {"host", "cross", "native", "packages", NULL};

char *plan_find(const char *arg)
{
	struct stat st;
	if (stat(arg, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			char *p = path_join(arg, "plan");
			if (stat(p, &st) == 0)
				return p;
			free(p);
			return NULL;
		}
		return xstrdup(arg);
	}
	if (!strchr(arg, '/')) {
		char *p = xasprintf("plans/%s/plan", arg);
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static void addname(char ***v, size_t *n, const char *s, size_t len)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = xstrndup(s, len);
}

static int is_key(struct slice s)
{
	if (!s.len || !((s.s[0] >= 'A' && s.s[0] <= 'Z') || s.s[0] == '_'))
		return 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

/* Names the engine sets itself; a plan may not override them. */
static int is_reserved(struct slice s)
{
	static const char *const r[] = {"ARCH", "HOST_ARCH", "STAGE", "STEP", "RECIPE", "VERSION", "JOBS",
		"MAKEFLAGS", "BUILDDIR", "DESTDIR", "SYSROOT", "DEPS", "PATH", "HOME", "TZ", "LC_ALL", "LANG",
		"TERM", NULL};
	for (int i = 0; r[i]; i++)
		if (slice_eq(s, r[i]))
			return 1;
	return 0;
}

/* The parser's state: the plan being filled, the line being read, and
 * what must be checked once every line is read. */
struct pparser {
	struct lex lx;
	struct lexline l;
	struct plan *p;
	int seen_plan, seen_arches, seen_recipes;   /* lines of those keys, or 0 */
	int *rootfs_col;        /* per stage: column of rootfs=STEP's STEP, or 0 */
	int default_line, default_col;              /* of default-arch's ARCH */
};

/* An error at position at of the line being read: "path:line:col: ...". */
#define perr(ps, at, ...) lex_error(&(ps)->lx, &(ps)->l, (at), __VA_ARGS__)

/* Split "a,b,c" into *v. */
static void add_list(char ***v, size_t *n, struct slice s)
{
	const char *a = s.s, *e = s.s + s.len;
	while (a < e) {
		const char *c = memchr(a, ',', (size_t)(e - a));
		if (!c)
			c = e;
		addname(v, n, a, (size_t)(c - a));
		a = c + 1;
	}
}

/* One KEY=VALUE option of a step line. */
static int step_option(struct pparser *ps, struct step *s, struct slice w)
{
	const char *eq = memchr(w.s, '=', w.len);
	struct slice k = {w.s, eq ? (size_t)(eq - w.s) : w.len};
	struct slice v = {eq ? eq + 1 : NULL, eq ? w.len - k.len - 1 : 0};
	if (!eq || !v.len)
		return perr(ps, w.s, "expected an option KEY=VALUE (build=, use:RECIPE=, after=, only=, ondemand=)");
	if (slice_eq(k, "build")) {
		if (!slice_is_name(v))
			return perr(ps, v.s, "bad build script name");
		free(s->build_name);
		s->build_name = slice_dup(v);
	} else if (k.len > 4 && !strncmp(k.s, "use:", 4)) {
		struct slice rn = {k.s + 4, k.len - 4};
		if (!slice_is_name(rn) || !slice_is_name(v))
			return perr(ps, w.s, "expected use:RECIPE=STEP");
		s->uses = xrealloc(s->uses, (s->nuses + 1) * sizeof *s->uses);
		s->uses[s->nuses].recipe = slice_dup(rn);
		s->uses[s->nuses].step = slice_dup(v);
		s->nuses++;
	} else if (slice_eq(k, "only")) {
		add_list(&s->only, &s->nonly, v);
	} else if (slice_eq(k, "ondemand")) {
		if (!slice_eq(v, "yes") && !slice_eq(v, "no"))
			return perr(ps, v.s, "expected ondemand=yes or ondemand=no");
		s->ondemand = slice_eq(v, "yes");
	} else if (slice_eq(k, "after")) {
		add_list(&s->after, &s->nafter, v);
	} else {
		return perr(ps, w.s, "unknown step option '%.*s' (expected build=, use:RECIPE=, after=, only= or ondemand=)",
			    (int)k.len, k.s);
	}
	return 0;
}

static int key_step(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n < 2)
		return perr(ps, w[0].s + w[0].len, "expected 'step NAME [RECIPE] [OPTION...]'");
	if (!slice_is_name(w[1]))
		return perr(ps, w[1].s, "bad step name '%.*s'", (int)w[1].len, w[1].s);
	if (!p->nstages)
		return perr(ps, w[0].s, "a step comes after a 'stage' line");
	int dup = strmap_getn(&p->steps_by_name, w[1].s, w[1].len);
	if (dup >= 0)
		return perr(ps, w[1].s, "duplicate step '%s' (first at line %d)", p->steps[dup].name, p->steps[dup].line);
	p->steps = xrealloc(p->steps, (p->nsteps + 1) * sizeof *p->steps);
	struct step *s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof *s);
	s->name = slice_dup(w[1]);
	strmap_put(&p->steps_by_name, s->name, (int)p->nsteps - 1);
	s->stage = (int)p->nstages - 1;
	s->line = ps->l.lineno;
	s->col = lex_col(&ps->l, w[1].s);
	int i = 2;
	if (n > 2 && !memchr(w[2].s, '=', w[2].len)) {
		if (!slice_is_name(w[2]))
			return perr(ps, w[2].s, "bad recipe name '%.*s'", (int)w[2].len, w[2].s);
		s->recipe_name = slice_dup(w[2]);
		i = 3;
	} else {
		s->recipe_name = xstrdup(s->name);
	}
	for (; i < n; i++) {
		int r = step_option(ps, s, w[i]);
		if (r)
			return r;
	}
	if (!s->build_name)
		s->build_name = xstrdup(p->stages[s->stage].name);
	return 0;
}

static int key_plan(struct pparser *ps, struct slice *w, int n)
{
	if (ps->seen_plan)
		return perr(ps, w[0].s, "duplicate 'plan' (first at line %d)", ps->seen_plan);
	if (n != 2 || !slice_is_name(w[1]))
		return perr(ps, n > 1 ? w[1].s : w[0].s + w[0].len, "expected 'plan NAME'");
	ps->p->name = slice_dup(w[1]);
	ps->seen_plan = ps->l.lineno;
	return 0;
}

static int key_description(struct pparser *ps, struct slice *w, int n)
{
	const char *s = w[0].s + w[0].len, *e = ps->l.s + ps->l.len;
	(void)n;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	free(ps->p->description);
	ps->p->description = xstrndup(s, (size_t)(e - s));
	return 0;
}

static int key_arches(struct pparser *ps, struct slice *w, int n)
{
	if (ps->seen_arches)
		return perr(ps, w[0].s, "duplicate 'arches' (first at line %d)", ps->seen_arches);
	if (n < 2)
		return perr(ps, w[0].s + w[0].len, "expected 'arches ARCH...'");
	for (int i = 1; i < n; i++) {
		if (!slice_is_name(w[i]))
			return perr(ps, w[i].s, "bad arch name");
		addname(&ps->p->arches, &ps->p->narches, w[i].s, w[i].len);
	}
	ps->seen_arches = ps->l.lineno;
	return 0;
}

static int key_default_arch(struct pparser *ps, struct slice *w, int n)
{
	if (n != 2)
		return perr(ps, w[0].s, "expected 'default-arch ARCH' or 'default-arch host'");
	free(ps->p->default_arch);
	ps->p->default_arch = slice_dup(w[1]);
	/* checked against arches once every line is read */
	ps->default_line = ps->l.lineno;
	ps->default_col = lex_col(&ps->l, w[1].s);
	return 0;
}

static int key_recipes(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n < 2)
		return perr(ps, w[0].s + w[0].len, "expected 'recipes DIR...'");
	if (!ps->seen_recipes) {
		for (size_t i = 0; i < p->nrecipe_dirs; i++)
			free(p->recipe_dirs[i]);
		p->nrecipe_dirs = 0;
	}
	for (int i = 1; i < n; i++) {
		char *d = slice_dup(w[i]);
		p->recipe_dirs = xrealloc(p->recipe_dirs, (p->nrecipe_dirs + 1) * sizeof *p->recipe_dirs);
		p->recipe_dirs[p->nrecipe_dirs++] = d[0] == '/' ? d : path_join(p->dir, d);
		if (d[0] != '/')
			free(d);
	}
	ps->seen_recipes = 1;
	return 0;
}

static int key_set(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n < 3)
		return perr(ps, w[0].s + w[0].len, "expected 'set KEY VALUE'");
	if (!is_key(w[1]))
		return perr(ps, w[1].s, "bad setting name '%.*s': expected [A-Z_][A-Z0-9_]*", (int)w[1].len, w[1].s);
	if (is_reserved(w[1]))
		return perr(ps, w[1].s, "'%.*s' is set by sprout itself", (int)w[1].len, w[1].s);
	for (size_t i = 0; i < p->nsets; i++)
		if (slice_eq(w[1], p->sets[i].key))
			return perr(ps, w[1].s, "duplicate setting '%s'", p->sets[i].key);
	const char *vs = w[2].s, *ve = ps->l.s + ps->l.len;
	while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	p->sets = xrealloc(p->sets, (p->nsets + 1) * sizeof *p->sets);
	p->sets[p->nsets].key = slice_dup(w[1]);
	p->sets[p->nsets].value = xstrndup(vs, (size_t)(ve - vs));
	p->sets[p->nsets].stage = NULL;
	p->nsets++;
	return 0;
}

/* alias NAME RECIPE; checked against the recipe directories in resolve(). */
static int key_alias(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n != 3)
		return perr(ps, n < 3 ? w[n - 1].s + w[n - 1].len : w[3].s, "expected 'alias NAME RECIPE'");
	for (int i = 1; i < 3; i++)
		if (!slice_is_name(w[i]))
			return perr(ps, w[i].s, "bad %s '%.*s': expected lower-case letters, digits and . _ + -",
				    i == 1 ? "alias name" : "recipe name", (int)w[i].len, w[i].s);
	if (w[1].len == w[2].len && !memcmp(w[1].s, w[2].s, w[1].len))
		return perr(ps, w[2].s, "alias '%.*s' names itself", (int)w[1].len, w[1].s);
	for (size_t i = 0; i < p->naliases; i++)
		if (slice_eq(w[1], p->aliases[i].name))
			return perr(ps, w[1].s, "duplicate alias '%s' (first at line %d)", p->aliases[i].name,
				    p->aliases[i].line);
	p->aliases = xrealloc(p->aliases, (p->naliases + 1) * sizeof *p->aliases);
	struct alias *a = &p->aliases[p->naliases++];
	a->name = slice_dup(w[1]);
	a->recipe = slice_dup(w[2]);
	a->line = ps->l.lineno;
	a->col = lex_col(&ps->l, w[1].s);
	a->recipe_col = lex_col(&ps->l, w[2].s);
	return 0;
}

static int key_stage(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n < 2 || n > 3)
		return perr(ps, w[0].s, "expected 'stage NAME [rootfs=STEP]'");
	int idx = -1;
	for (int i = 0; STAGES[i]; i++)
		if (slice_eq(w[1], STAGES[i]))
			idx = i;
	if (idx < 0)
		return perr(ps, w[1].s, "unknown stage '%.*s' (expected host, cross, native or packages)", (int)w[1].len,
			    w[1].s);
	for (size_t i = 0; i < p->nstages; i++) {
		int j = 0;
		while (strcmp(STAGES[j], p->stages[i].name))
			j++;
		if (j >= idx)
			return perr(ps, w[1].s, "stage '%s' must come before stage '%s'", STAGES[idx], p->stages[i].name);
	}
	p->stages = xrealloc(p->stages, (p->nstages + 1) * sizeof *p->stages);
	struct stage *st = &p->stages[p->nstages++];
	st->name = xstrdup(STAGES[idx]);
	st->mode = idx >= 2 ? RUN_NATIVE : RUN_HOST;
	st->rootfs = -1;
	st->rootfs_name = NULL;
	st->line = ps->l.lineno;
	ps->rootfs_col = xrealloc(ps->rootfs_col, p->nstages * sizeof *ps->rootfs_col);
	ps->rootfs_col[p->nstages - 1] = 0;
	if (n == 3) {
		if (w[2].len < 8 || strncmp(w[2].s, "rootfs=", 7))
			return perr(ps, w[2].s, "expected rootfs=STEP");
		/* Resolved once every step is known. */
		ps->rootfs_col[p->nstages - 1] = lex_col(&ps->l, w[2].s + 7);
		st->rootfs_name = xstrndup(w[2].s + 7, w[2].len - 7);
	}
	if (st->mode == RUN_NATIVE && n != 3)
		return perr(ps, w[0].s, "stage '%s' runs inside a root tree: expected rootfs=STEP", STAGES[idx]);
	return 0;
}

static int key_fixpoint(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n != 3 || !slice_is_name(w[1]) || !slice_is_name(w[2]))
		return perr(ps, w[0].s, "expected 'fixpoint STEP STEP'");
	if (p->fixpoint[0])
		return perr(ps, w[0].s, "duplicate 'fixpoint'");
	p->fixpoint[0] = slice_dup(w[1]);
	p->fixpoint[1] = slice_dup(w[2]);
	p->check_line[0] = ps->l.lineno;
	return 0;
}

/* "fixpoint-exclude GLOB REASON...", after the fixpoint line. */
static int key_fixpoint_exclude(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n < 3)
		return perr(ps, n < 2 ? w[0].s + w[0].len : w[1].s + w[1].len,
			    "expected 'fixpoint-exclude GLOB REASON...': an exclusion says why the files may differ");
	if (!p->fixpoint[0])
		return perr(ps, w[0].s, "'fixpoint-exclude' before 'fixpoint STEP STEP': nothing to exclude from");
	const char *bad = slice_bad_path(w[1]);
	if (bad)
		return perr(ps, bad, "bad path pattern '%.*s': expected a relative path without '.', '..' or empty "
			    "components", (int)w[1].len, w[1].s);
	size_t wild = 0;
	while (wild < w[1].len && strchr("*?/", w[1].s[wild]))
		wild++;
	if (wild == w[1].len)
		return perr(ps, w[1].s, "an exclusion names the files it covers; '%.*s' matches everything", (int)w[1].len,
			    w[1].s);
	for (size_t i = 0; i < p->nfixpoint_excl; i++)
		if (slice_eq(w[1], p->fixpoint_excl[i].glob))
			return perr(ps, w[1].s, "duplicate exclusion '%s' (first at line %d)", p->fixpoint_excl[i].glob,
				    p->fixpoint_excl[i].line);
	/* The reason: the rest of the line, without trailing blanks. */
	const char *r = w[2].s, *e = ps->l.s + ps->l.len;
	while (e > r && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	struct slice why = {r, (size_t)(e - r)};
	p->fixpoint_excl = xrealloc(p->fixpoint_excl, (p->nfixpoint_excl + 1) * sizeof *p->fixpoint_excl);
	struct fixpoint_exclude *x = &p->fixpoint_excl[p->nfixpoint_excl++];
	x->glob = slice_dup(w[1]);
	x->reason = slice_dup(why);
	x->line = ps->l.lineno;
	return 0;
}

static int key_host_built(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	if (n < 3 || !slice_is_name(w[1]))
		return perr(ps, w[0].s, "expected 'host-built ARCH STEP...'");
	for (int i = 1; i < n; i++) {
		if (!slice_is_name(w[i]))
			return perr(ps, w[i].s, "bad name '%.*s'", (int)w[i].len, w[i].s);
		addname(&p->host_built, &p->nhost_built, w[i].s, w[i].len);
	}
	/* An empty string ends each line's list. */
	addname(&p->host_built, &p->nhost_built, "", 0);
	return 0;
}

static int key_final_smoke(struct pparser *ps, struct slice *w, int n)
{
	struct plan *p = ps->p;
	struct slice k = w[0];
	int final = slice_eq(k, "final");
	char **dst = final ? &p->final : &p->smoke;
	if (n != 2 || !slice_is_name(w[1]))
		return perr(ps, k.s, "expected '%.*s STEP'", (int)k.len, k.s);
	if (*dst)
		return perr(ps, k.s, "duplicate '%.*s'", (int)k.len, k.s);
	*dst = slice_dup(w[1]);
	p->check_line[final ? 1 : 2] = ps->l.lineno;
	return 0;
}

static int key_cross_tools(struct pparser *ps, struct slice *w, int n)
{
	if (n < 2)
		return perr(ps, w[0].s, "expected 'cross-tools TOOL...'");
	for (int i = 1; i < n; i++)
		addname(&ps->p->cross_tools, &ps->p->ncross_tools, w[i].s, w[i].len);
	return 0;
}

static const struct {
	const char *word;
	int (*fn)(struct pparser *ps, struct slice *w, int n);
} PLAN_KEYS[] = {
	{"plan", key_plan},
	{"description", key_description},
	{"arches", key_arches},
	{"default-arch", key_default_arch},
	{"recipes", key_recipes},
	{"set", key_set},
	{"alias", key_alias},
	{"stage", key_stage},
	{"step", key_step},
	{"fixpoint", key_fixpoint},
	{"fixpoint-exclude", key_fixpoint_exclude},
	{"final", key_final_smoke},
	{"smoke", key_final_smoke},
	{"host-built", key_host_built},
	{"cross-tools", key_cross_tools},
	{NULL, NULL},
};

static int parse_line(struct pparser *ps)
{
	struct slice w[LEX_MAX_WORDS + 1];
	int n;
	int r = lex_words(&ps->lx, &ps->l, w, &n);
	if (r)
		return r;
	for (int i = 0; PLAN_KEYS[i].word; i++)
		if (slice_eq(w[0], PLAN_KEYS[i].word))
			return PLAN_KEYS[i].fn(ps, w, n);
	struct buf keys = {0};
	for (int i = 0; PLAN_KEYS[i].word; i++)
		buf_addf(&keys, "%s%s", !i ? "" : PLAN_KEYS[i + 1].word ? ", " : " or ", PLAN_KEYS[i].word);
	r = perr(ps, w[0].s, "unknown key '%.*s' (expected %s)", (int)w[0].len, w[0].s, keys.s);
	buf_free(&keys);
	return r;
}

/* What the whole plan needs once every line is read. */
static int parse_finish(struct pparser *ps)
{
	struct plan *p = ps->p;
	if (!ps->seen_plan)
		return lex_error(&ps->lx, NULL, NULL, "missing required key 'plan'");
	if (!ps->seen_arches)
		return lex_error(&ps->lx, NULL, NULL, "missing required key 'arches'");
	if (!plan_setting(p, "SOURCE_DATE_EPOCH"))
		return lex_error(&ps->lx, NULL, NULL, "missing required setting 'set SOURCE_DATE_EPOCH N'");
	if (!p->nsteps)
		return lex_error(&ps->lx, NULL, NULL, "the plan has no steps");
	if (p->default_arch && strcmp(p->default_arch, "host")) {
		size_t i = 0;
		while (i < p->narches && strcmp(p->arches[i], p->default_arch))
			i++;
		if (i == p->narches)
			return errf(SPROUT_ERR_PARSE, "%s:%d:%d: default-arch '%s' is not one of the plan's arches", p->path,
				    ps->default_line, ps->default_col, p->default_arch);
	}
	return 0;
}

/* Parse the plan text into p; *rootfs_col gets, per stage, the column of
 * its rootfs=STEP (0: none), for resolve() (caller frees). */
static int parse(struct plan *p, const char *text, size_t len, int **rootfs_col)
{
	struct pparser ps;
	memset(&ps, 0, sizeof ps);
	ps.p = p;
	lex_init(&ps.lx, p->path, text, len);
	int r = 0;
	while (!r && lex_next(&ps.lx, &ps.l))
		if (!ps.l.blank && ps.l.s[ps.l.indent] != '#')
			r = parse_line(&ps);
	if (!r)
		r = parse_finish(&ps);
	*rootfs_col = ps.rootfs_col;
	return r;
}

int plan_step_index(const struct plan *p, const char *name)
{
	if (p->steps_by_name.cap)
		return strmap_get(&p->steps_by_name, name);
	for (size_t i = 0; i < p->nsteps; i++)
		if (!strcmp(p->steps[i].name, name))
			return (int)i;
	return -1;
}

int plan_host_built_ok(const struct plan *p, const char *step)
{
	for (size_t i = 0; i < p->nhost_built;) {
		int this_arch = !strcmp(p->host_built[i], p->arch);
		for (i++; i < p->nhost_built && p->host_built[i][0]; i++)
			if (this_arch && !strcmp(p->host_built[i], step))
				return 1;
		i++; /* the list's end marker */
	}
	return 0;
}

const struct alias *plan_alias(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->naliases; i++)
		if (!strcmp(p->aliases[i].name, name))
			return &p->aliases[i];
	return NULL;
}

int plan_absent(const struct plan *p, const char *step)
{
	for (size_t i = 0; i < p->nabsent; i++)
		if (!strcmp(p->absent[i], step))
			return 1;
	return 0;
}

const char *plan_setting(const struct plan *p, const char *key)
{
	for (size_t i = 0; i < p->nsets; i++)
		if (!strcmp(p->sets[i].key, key))
			return p->sets[i].value;
	return NULL;
}

static int override(struct plan *p, const char *key, const char *value, const char *stage)
{
	struct slice k = {key, strlen(key)};
	if (!is_key(k))
		return errf(SPROUT_ERR_USAGE, "--set: bad setting name '%s': expected [A-Z_][A-Z0-9_]*", key);
	if (is_reserved(k))
		return errf(SPROUT_ERR_USAGE, "--set: '%s' is set by sprout itself", key);
	if (!value[0])
		return errf(SPROUT_ERR_USAGE, "--set: %s needs a value", key);
	for (size_t i = 0; i < p->nsets; i++)
		if (!strcmp(p->sets[i].key, key) && !p->sets[i].stage == !stage &&
		    (!stage || !strcmp(p->sets[i].stage, stage))) {
			free(p->sets[i].value);
			p->sets[i].value = xstrdup(value);
			return 0;
		}
	p->sets = xrealloc(p->sets, (p->nsets + 1) * sizeof *p->sets);
	p->sets[p->nsets].key = xstrdup(key);
	p->sets[p->nsets].value = xstrdup(value);
	p->sets[p->nsets].stage = stage ? xstrdup(stage) : NULL;
	p->nsets++;
	return 0;
}

int plan_override(struct plan *p, const char *key, const char *value)
{
	return override(p, key, value, NULL);
}

int plan_override_stage(struct plan *p, const char *key, const char *value, const char *stage)
{
	size_t n = 0;
	while (n < p->nstages && strcmp(p->stages[n].name, stage))
		n++;
	if (n == p->nstages)
		return errf(SPROUT_ERR_NOTFOUND, "plan '%s' has no stage '%s'", p->name, stage);
	return override(p, key, value, stage);
}

size_t plan_step_sets(const struct plan *p, int i, const struct setting **out)
{
	const char *st = p->stages[p->steps[i].stage].name;
	size_t n = 0;
	for (size_t k = 0; k < p->nsets; k++) {
		const struct setting *s = &p->sets[k];
		if (s->stage && strcmp(s->stage, st))
			continue;
		int replaced = 0;
		for (size_t m = 0; !s->stage && m < p->nsets; m++)
			replaced |= p->sets[m].stage && !strcmp(p->sets[m].stage, st) && !strcmp(p->sets[m].key, s->key);
		if (!replaced)
			out[n++] = s;
	}
	return n;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int step_error(const struct plan *p, const struct step *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return errf(SPROUT_ERR_PARSE, "%s:%d:%d: %s", p->path, s->line, s->col, msg);
}

static int load_recipe(struct plan *p, struct step *s)
{
	int have = strmap_get(&p->recipes_by_name, s->recipe_name);
	if (have >= 0) {
		s->recipe = p->recipes[have];
		return 0;
	}
	for (size_t i = 0; i < p->nrecipe_dirs; i++) {
		char *rp = xasprintf("%s/%s/recipe", p->recipe_dirs[i], s->recipe_name);
		if (!path_exists(rp)) {
			free(rp);
			continue;
		}
		struct recipe *rc;
		int r = recipe_parse_file(rp, &rc);
		if (r) {
			free(rp);
			return r;
		}
		if ((r = recipe_check_local(rc)) != 0) {
			recipe_free(rc);
			free(rp);
			return r;
		}
		if (strcmp(rc->name, s->recipe_name)) {
			r = errf(SPROUT_ERR_PARSE, "%s:1:1: recipe is named '%s' but lives in directory '%s'", rp, rc->name,
				 s->recipe_name);
			recipe_free(rc);
			free(rp);
			return r;
		}
		free(rp);
		p->recipes = xrealloc(p->recipes, (p->nrecipes + 1) * sizeof *p->recipes);
		p->recipes[p->nrecipes++] = rc;
		strmap_put(&p->recipes_by_name, rc->name, (int)p->nrecipes - 1);
		s->recipe = rc;
		return 0;
	}
	struct buf dirs = {0};
	for (size_t i = 0; i < p->nrecipe_dirs; i++)
		buf_addf(&dirs, "%s%s", i ? ", " : "", p->recipe_dirs[i]);
	step_error(p, s, "no recipe '%s' (looked in %s)", s->recipe_name, dirs.s ? dirs.s : "nowhere");
	buf_free(&dirs);
	return -SPROUT_ERR_NOTFOUND;
}

static void add_dep_idx(struct step *s, int d)
{
	for (size_t i = 0; i < s->ndeps; i++)
		if (s->deps[i] == d)
			return;
	s->deps = xrealloc(s->deps, (s->ndeps + 1) * sizeof *s->deps);
	s->deps[s->ndeps++] = d;
}

/* The steps of each recipe, for resolve_dep: by_recipe maps a recipe name
 * to its first step, next[i] is the step after i of the same recipe, -1
 * at the end. */
struct recipe_steps {
	struct strmap by_recipe;
	int *next;
};

/* How a dependency is named in messages: 'glibc', or for an alias
 * 'libc' (alias of 'glibc', line 12). */
static void dep_label(const struct plan *p, const char *dn, struct buf *b)
{
	const struct alias *a = plan_alias(p, dn);
	if (a)
		buf_addf(b, "'%s' (alias of '%s', line %d)", dn, a->recipe, a->line);
	else
		buf_addf(b, "'%s'", dn);
}

/* use:NAME=STEP for the dependency dn (resolved to recipe rname): NAME is
 * dn itself, or what dn or NAME aliases to is rname. */
static int use_matches(const struct plan *p, const char *uname, const char *dn, const char *rname)
{
	const struct alias *a = plan_alias(p, uname);
	return !strcmp(uname, dn) || !strcmp(a ? a->recipe : uname, rname);
}

/* Resolve dependency dn of step si, which names recipe rname (dn itself,
 * or the recipe the alias dn names): use:, else the one other step of
 * rname in the same stage, else the last step of rname in an earlier
 * stage. */
static int resolve_dep(struct plan *p, int si, const char *dn, const char *rname, const struct recipe_steps *rs)
{
	struct step *s = &p->steps[si];
	struct buf lbl = {0};
	int r;
	dep_label(p, dn, &lbl);
	for (size_t i = 0; i < s->nuses; i++)
		if (use_matches(p, s->uses[i].recipe, dn, rname)) {
			int d = plan_step_index(p, s->uses[i].step);
			/* A step left out for this arch: as if use: were not
			 * written (docs/plans.md, only=). */
			if (d < 0 && plan_absent(p, s->uses[i].step))
				continue;
			if (d < 0)
				r = step_error(p, s, "use:%s=%s names an unknown step", s->uses[i].recipe, s->uses[i].step);
			else if (strcmp(p->steps[d].recipe_name, rname))
				r = step_error(p, s, "use:%s=%s names a step of recipe '%s', but dependency %s is built by recipe '%s'",
					       s->uses[i].recipe, s->uses[i].step, p->steps[d].recipe_name, lbl.s, rname);
			else
				r = d;
			buf_free(&lbl);
			return r;
		}
	int found = -1, count = 0;
	struct buf cands = {0};
	int first = strmap_get(&rs->by_recipe, rname);
	for (int i = first; i >= 0; i = rs->next[i])
		if (i != si && p->steps[i].stage == s->stage) {
			found = i;
			count++;
			buf_addf(&cands, "%s%s", count > 1 ? ", " : "", p->steps[i].name);
		}
	if (count > 1) {
		r = step_error(p, s, "dependency %s is built by several steps of this stage (%s); choose one with use:%s=STEP",
			       lbl.s, cands.s, dn);
		buf_free(&cands);
		buf_free(&lbl);
		return r;
	}
	buf_free(&cands);
	for (int st = s->stage - 1; st >= 0 && found < 0; st--)
		for (int i = first; i >= 0; i = rs->next[i])
			if (p->steps[i].stage == st)
				found = i;
	r = found >= 0 ? found
		: step_error(p, s, "unknown dependency %s: no step of this stage or an earlier one builds it", lbl.s);
	buf_free(&lbl);
	return r;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Depth-first topological sort; a back edge is a cycle, reported with its
 * path. */
static int visit(struct plan *p, int i, char *color, int *stack, int depth, int *n)
{
	color[i] = 1;
	stack[depth] = i;
	struct step *s = &p->steps[i];
	for (size_t k = 0; k < s->ndeps; k++) {
		int d = s->deps[k];
		if (color[d] == 1) {
			struct buf b = {0};
			int start = depth;
			while (stack[start] != d)
				start--;
			for (int j = start; j <= depth; j++)
				buf_addf(&b, "%s -> ", p->steps[stack[j]].name);
			buf_adds(&b, p->steps[d].name);
			int r = errf(SPROUT_ERR_CYCLE, "%s:%d:%d: dependency cycle: %s", p->path, p->steps[d].line,
				     p->steps[d].col, b.s);
			buf_free(&b);
			return r;
		}
		if (color[d] == 0) {
			int r = visit(p, d, color, stack, depth + 1, n);
			if (r)
				return r;
		}
	}
	color[i] = 2;
	p->order[(*n)++] = i;
	return 0;
}

/* The distfiles store is one namespace: one name, one content. */
static int check_source_names(const struct plan *p)
{
	struct strmap first = {0};     /* file name -> index into srcs */
	const struct source **srcs = NULL;
	const struct recipe **owner = NULL;
	size_t n = 0;
	int r = 0;
	for (size_t a = 0; a < p->nrecipes && !r; a++)
		for (size_t i = 0; i < p->recipes[a]->nsources && !r; i++) {
			const struct source *y = &p->recipes[a]->sources[i];
			int k = strmap_get(&first, y->file);
			if (k < 0) {
				srcs = xrealloc(srcs, (n + 1) * sizeof *srcs);
				owner = xrealloc(owner, (n + 1) * sizeof *owner);
				srcs[n] = y;
				owner[n] = p->recipes[a];
				strmap_put(&first, y->file, (int)n++);
			} else if (memcmp(srcs[k]->sha256, y->sha256, 32)) {
				r = errf(SPROUT_ERR_PARSE,
					 "%s:%d:1: source '%s' has another sha256 in %s:%d; "
					 "source file names share one distfiles store, so give one of them another name",
					 p->recipes[a]->path, y->line, y->file, owner[k]->path, srcs[k]->line);
			}
		}
	strmap_free(&first);
	free(srcs);
	free(owner);
	return r;
}

/* Every step's dependencies: its recipe's and build script's (by recipe
 * name), after=, and its stage's root tree; sorted. */
static int resolve_deps(struct plan *p)
{
	struct recipe_steps rs = {{0}, NULL};
	int r = 0;
	rs.next = xcalloc(p->nsteps + 1, sizeof *rs.next);
	for (size_t i = p->nsteps; i-- > 0;) {
		rs.next[i] = strmap_get(&rs.by_recipe, p->steps[i].recipe_name);
		strmap_put(&rs.by_recipe, p->steps[i].recipe_name, (int)i);
	}
	for (size_t si = 0; si < p->nsteps && !r; si++) {
		struct step *s = &p->steps[si];
		const struct recipe *rc = s->recipe;
		for (size_t k = 0; k < rc->ndeps + s->build->ndeps && !r; k++) {
			const char *dn = k < rc->ndeps ? rc->deps[k] : s->build->deps[k - rc->ndeps];
			const struct alias *a = plan_alias(p, dn);
			int d = resolve_dep(p, (int)si, dn, a ? a->recipe : dn, &rs);
			if (d < 0)
				r = d;
			else
				add_dep_idx(s, d);
		}
		for (size_t k = 0; k < s->nafter && !r; k++) {
			int d = plan_step_index(p, s->after[k]);
			if (d < 0 && plan_absent(p, s->after[k]))
				continue;
			if (d < 0 || d == (int)si)
				r = step_error(p, s, "after=%s names an unknown step", s->after[k]);
			else
				add_dep_idx(s, d);
		}
		if (!r && p->stages[s->stage].rootfs >= 0)
			add_dep_idx(s, p->stages[s->stage].rootfs);
		if (s->ndeps)
			qsort(s->deps, s->ndeps, sizeof *s->deps, cmp_int);
	}
	strmap_free(&rs.by_recipe);
	free(rs.next);
	return r;
}

/* The recipe file called name in p's recipe directories, or NULL (caller
 * frees). */
static char *recipe_file(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->nrecipe_dirs; i++) {
		char *rp = xasprintf("%s/%s/recipe", p->recipe_dirs[i], name);
		if (path_exists(rp))
			return rp;
		free(rp);
	}
	return NULL;
}

/* Each alias names a recipe (not another alias), and no recipe has the
 * alias's name: a dependency could not say which it meant. */
static int check_aliases(const struct plan *p)
{
	for (size_t i = 0; i < p->naliases; i++) {
		const struct alias *a = &p->aliases[i];
		char *rp = recipe_file(p, a->name);
		if (rp) {
			int r = errf(SPROUT_ERR_PARSE, "%s:%d:%d: alias '%s' has the name of recipe %s: "
				     "a dependency on '%s' could mean either", p->path, a->line, a->col, a->name, rp, a->name);
			free(rp);
			return r;
		}
		if (plan_alias(p, a->recipe))
			return errf(SPROUT_ERR_PARSE, "%s:%d:%d: alias '%s' names alias '%s': an alias names a recipe",
				    p->path, a->line, a->recipe_col, a->name, a->recipe);
		rp = recipe_file(p, a->recipe);
		if (!rp) {
			struct buf dirs = {0};
			for (size_t k = 0; k < p->nrecipe_dirs; k++)
				buf_addf(&dirs, "%s%s", k ? ", " : "", p->recipe_dirs[k]);
			int r = errf(SPROUT_ERR_PARSE, "%s:%d:%d: alias '%s' names no recipe '%s' (looked in %s)", p->path,
				     a->line, a->recipe_col, a->name, a->recipe, dirs.s ? dirs.s : "nowhere");
			buf_free(&dirs);
			return r;
		}
		free(rp);
	}
	return 0;
}

static int resolve(struct plan *p, const int *rootfs_col)
{
	for (size_t si = 0; si < p->nsteps; si++) {
		struct step *s = &p->steps[si];
		int r = load_recipe(p, s);
		if (r)
			return r;
		s->build = recipe_build(s->recipe, s->build_name);
		if (!s->build) {
			struct buf have = {0};
			for (size_t i = 0; i < s->recipe->nbuilds; i++)
				buf_addf(&have, "%s%s", i ? ", " : "", s->recipe->builds[i].name);
			r = step_error(p, s, "recipe '%s' has no build script '%s' (it has: %s); choose one with build=NAME",
				       s->recipe_name, s->build_name, have.s);
			buf_free(&have);
			return r;
		}
	}
	int r = check_source_names(p);
	if (!r)
		r = check_aliases(p);
	if (r)
		return r;
	for (size_t i = 0; i < p->nstages; i++) {
		struct stage *st = &p->stages[i];
		if (rootfs_col[i]) {
			const char *rn = st->rootfs_name;
			int d = plan_step_index(p, rn);
			if (d < 0 || p->steps[d].stage >= (int)i)
				return errf(SPROUT_ERR_PARSE, "%s:%d:%d: rootfs=%s must name a step of an earlier stage", p->path,
					    st->line, rootfs_col[i], rn);
			st->rootfs = d;
		}
	}
	r = resolve_deps(p);
	if (r)
		return r;
	if (p->fixpoint[0] && (plan_absent(p, p->fixpoint[0]) || plan_absent(p, p->fixpoint[1]))) {
		p->fixpoint_gone = xasprintf("%s and %s", p->fixpoint[0], p->fixpoint[1]);
		FREE_ALL(p->fixpoint[0], p->fixpoint[1]);
		p->fixpoint[0] = p->fixpoint[1] = NULL;
	}
	const char *named[] = {p->fixpoint[0], p->final, p->smoke, p->fixpoint[1]};
	for (int k = 0; k < 4; k++)
		if (named[k] && plan_step_index(p, named[k]) < 0)
			return errf(SPROUT_ERR_PARSE, "%s:%d:1: no step '%s' in this plan", p->path, p->check_line[k % 3], named[k]);
	p->order = xcalloc(p->nsteps, sizeof *p->order);
	char *color = xcalloc(p->nsteps, 1);
	int *stack = xcalloc(p->nsteps + 1, sizeof *stack);
	int n = 0;
	for (size_t i = 0; i < p->nsteps && !r; i++)
		if (!color[i])
			r = visit(p, (int)i, color, stack, 0, &n);
	free(color);
	free(stack);
	return r;
}

static void plan_free_steps(struct plan *p);

/* Keep the steps that exist for p->arch. */
static void keep_arch_steps(struct plan *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nsteps; i++) {
		struct step *s = &p->steps[i];
		int keep = !s->nonly;
		for (size_t k = 0; k < s->nonly; k++)
			if (!strcmp(s->only[k], p->arch))
				keep = 1;
		if (keep) {
			p->steps[n++] = *s;
			continue;
		}
		addname(&p->absent, &p->nabsent, s->name, strlen(s->name));
		struct plan one = {0};
		one.steps = s;
		one.nsteps = 1;
		plan_free_steps(&one);
	}
	p->nsteps = n;
	strmap_free(&p->steps_by_name);
	for (size_t i = 0; i < n; i++)
		strmap_put(&p->steps_by_name, p->steps[i].name, (int)i);
}

int plan_load(const char *path, const char *arch, struct plan **out)
{
	struct plan *p = xcalloc(1, sizeof *p);
	struct buf text = {0};
	int *rootfs_col = NULL;
	int r = -ENOENT;
	p->path = xstrdup(path);
	p->dir = path_dirname(path);
	p->recipe_dirs = xcalloc(1, sizeof *p->recipe_dirs);
	p->recipe_dirs[0] = path_join(p->dir, "../../recipes");
	p->nrecipe_dirs = 1;
	r = file_read(path, &text);
	if (r) {
		r = errf(r, "%s: %s", path, err_str(r));
		goto out;
	}
	r = parse(p, text.s, text.len, &rootfs_col);
	if (r)
		goto out;
	if (!p->default_arch)
		p->default_arch = xstrdup("host");
	p->arch = plan_arch(p, arch);
	if (!p->arch) {
		r = -SPROUT_ERR_USAGE;
		goto out;
	}
	keep_arch_steps(p);
	if (!p->nsteps) {
		r = errf(SPROUT_ERR_PARSE, "%s:1:1: the plan has no steps for arch %s", p->path, p->arch);
		goto out;
	}
	r = resolve(p, rootfs_col);
	if (r)
		goto out;
	*out = p;
	free(rootfs_col);
	buf_free(&text);
	return 0;
out:
	free(rootfs_col);
	buf_free(&text);
	plan_free(p);
	return r;
}

static void plan_free_steps(struct plan *p)
{
	for (size_t i = 0; i < p->nsteps; i++) {
		struct step *s = &p->steps[i];
		free(s->name);
		free(s->recipe_name);
		free(s->build_name);
		for (size_t k = 0; k < s->nuses; k++) {
			free(s->uses[k].recipe);
			free(s->uses[k].step);
		}
		free(s->uses);
		strs_free(s->after, s->nafter);
		free(s->deps);
		strs_free(s->only, s->nonly);
	}
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	FREE_ALL(p->path, p->dir, p->name, p->description);
	strs_free(p->arches, p->narches);
	free(p->default_arch);
	for (size_t i = 0; i < p->nsets; i++) {
		free(p->sets[i].key);
		free(p->sets[i].value);
		free(p->sets[i].stage);
	}
	free(p->sets);
	for (size_t i = 0; i < p->naliases; i++)
		FREE_ALL(p->aliases[i].name, p->aliases[i].recipe);
	free(p->aliases);
	strs_free(p->recipe_dirs, p->nrecipe_dirs);
	for (size_t i = 0; i < p->nstages; i++) {
		free(p->stages[i].name);
		free(p->stages[i].rootfs_name);
	}
	free(p->stages);
	plan_free_steps(p);
	FREE_ALL(p->steps, p->order, p->fixpoint[0], p->fixpoint[1]);
	for (size_t i = 0; i < p->nfixpoint_excl; i++)
		FREE_ALL(p->fixpoint_excl[i].glob, p->fixpoint_excl[i].reason);
	FREE_ALL(p->fixpoint_excl, p->final, p->smoke);
	strs_free(p->host_built, p->nhost_built);
	strs_free(p->absent, p->nabsent);
	free(p->fixpoint_gone);
	strs_free(p->cross_tools, p->ncross_tools);
	for (size_t i = 0; i < p->nrecipes; i++)
		recipe_free(p->recipes[i]);
	free(p->recipes);
	strmap_free(&p->steps_by_name);
	strmap_free(&p->recipes_by_name);
	free(p);
}

const char *plan_arch(const struct plan *p, const char *requested)
{
	const char *a = requested;
	if (!a)
		a = strcmp(p->default_arch, "host") ? p->default_arch : host_arch();
	for (size_t i = 0; i < p->narches; i++)
		if (!strcmp(p->arches[i], a))
			return p->arches[i];
	if (!requested && !strcmp(p->default_arch, "host") && p->narches)
		return p->arches[0];
	struct buf b = {0};
	for (size_t i = 0; i < p->narches; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", p->arches[i]);
	errf(SPROUT_ERR_USAGE, "plan '%s' does not support arch '%s' (it supports: %s)", p->name, a, b.s);
	buf_free(&b);
	return NULL;
}

char *plan_source_top(const struct plan *p)
{
	char *up = path_join(p->dir, "../.."), *top = realpath(up, NULL);
	free(up);
	if (!top)
		return NULL;
	char *m = path_join(top, "src/cli/main.c"), *mk = path_join(top, "Makefile");
	int ok = path_exists(m) && path_exists(mk);
	free(m);
	free(mk);
	if (!ok) {
		free(top);
		return NULL;
	}
	return top;
}

int plan_source_copy(const char *top, const char *dst)
{
	static const char *const parts[] = {"src", "mk", "recipes", "plans", "Makefile"};
	int r = mkdir_p(dst, 0755);
	if (r)
		return errf(r, "%s: %s", dst, err_str(r));
	for (size_t i = 0; !r && i < sizeof parts / sizeof *parts; i++) {
		char *a = path_join(top, parts[i]), *b = path_join(dst, parts[i]);
		struct stat st;
		if (stat(a, &st) < 0)
			r = -errno;
		else
			r = S_ISDIR(st.st_mode) ? tree_copy(a, b, 0) : file_copy(a, b);
		if (r)
			r = errf(r, "%s: %s", a, err_str(r));
		free(a);
		free(b);
	}
	return r;
}

int plan_sources_link(const struct plan *p, const char *dd, const char *dst)
{
	int r = mkdir_p(dst, 0755);
	if (r)
		return errf(r, "%s: %s", dst, err_str(r));
	for (size_t i = 0; !r && i < p->nsteps; i++) {
		const struct recipe *rc = p->steps[i].recipe;
		for (size_t k = 0; !r && k < rc->nsources; k++) {
			char *a = path_join(dd, rc->sources[k].file), *b = path_join(dst, rc->sources[k].file);
			if (!path_exists(b) && link(a, b) < 0 && (r = file_copy(a, b)) != 0)
				r = errf(r, "%s: %s", a, err_str(r));
			free(a);
			free(b);
		}
	}
	return r;
}
