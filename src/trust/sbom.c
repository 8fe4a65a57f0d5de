/* An SPDX 2.3 JSON document of a build (docs/trust.md, "sbom"). Every value
 * comes from the plan, its recipes and the store, and the creation time is
 * the plan's SOURCE_DATE_EPOCH, so the same build gives the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build/cache.h"
#include "build/state.h"
#include "core/err.h"
#include "trust/sbom.h"
#include "core/sha1.h"
#include "core/sha256.h"

/* ---- a small JSON writer: two-space indentation, keys in call order ---- */

struct js {
	struct buf *b;
	int depth;
	int first[16];
};

void sbom_json_str(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_addc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, c);
		} else if (c == '\n') {
			buf_adds(out, "\\n");
		} else if (c == '\t') {
			buf_adds(out, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			buf_addf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		} else if (c < 0x80) {
			buf_addc(out, c);
		} else {
			/* A well-formed UTF-8 sequence is copied; a stray byte
			 * becomes the code point of the same number. */
			size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
			int good = len && i + len <= n;
			for (size_t k = 1; good && k < len; k++)
				good = ((unsigned char)s[i + k] & 0xc0) == 0x80;
			if (good) {
				buf_add(out, s + i, len);
				i += len - 1;
			} else {
				buf_addf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			}
		}
	}
	buf_addc(out, '"');
}

static void js_sep(struct js *j)
{
	if (!j->first[j->depth])
		buf_addc(j->b, ',');
	j->first[j->depth] = 0;
	if (j->depth) {
		buf_addc(j->b, '\n');
		for (int i = 0; i < j->depth; i++)
			buf_adds(j->b, "  ");
	}
}

static void js_key(struct js *j, const char *key)
{
	js_sep(j);
	if (key) {
		sbom_json_str(j->b, key, strlen(key));
		buf_adds(j->b, ": ");
	}
}

static void js_open(struct js *j, const char *key, char brace)
{
	js_key(j, key);
	buf_addc(j->b, brace);
	j->first[++j->depth] = 1;
}

static void js_close(struct js *j, char brace)
{
	int empty = j->first[j->depth];
	j->depth--;
	if (!empty) {
		buf_addc(j->b, '\n');
		for (int i = 0; i < j->depth; i++)
			buf_adds(j->b, "  ");
	}
	buf_addc(j->b, brace);
}

static void js_str(struct js *j, const char *key, const char *v)
{
	js_key(j, key);
	sbom_json_str(j->b, v, strlen(v));
}

static void js_bool(struct js *j, const char *key, int v)
{
	js_key(j, key);
	buf_adds(j->b, v ? "true" : "false");
}

static void js_checksum(struct js *j, const char *alg, const char *hex)
{
	js_open(j, NULL, '{');
	js_str(j, "algorithm", alg);
	js_str(j, "checksumValue", hex);
	js_close(j, '}');
}

/* ---- SPDX identifiers: SPDXRef-[A-Za-z0-9.-]+, unique in the document ---- */

/* Open an SPDX file object and write its fields up to copyrightText (its
 * fileTypes when type is not NULL); the caller closes it. */
static void js_file(struct js *j, const char *id, const char *name, const char *type, const char *sha1,
		    const char *sha256)
{
	js_open(j, NULL, '{');
	js_str(j, "SPDXID", id);
	js_str(j, "fileName", name);
	if (type) {
		js_open(j, "fileTypes", '[');
		js_str(j, NULL, type);
		js_close(j, ']');
	}
	js_open(j, "checksums", '[');
	js_checksum(j, "SHA1", sha1);
	js_checksum(j, "SHA256", sha256);
	js_close(j, ']');
	js_str(j, "licenseConcluded", "NOASSERTION");
	js_str(j, "copyrightText", "NOASSERTION");
}

static char *spdx_id(struct strv *used, const char *kind, const char *name)
{
	struct buf b = {0};
	buf_addf(&b, "SPDXRef-%s-", kind);
	for (const char *p = name; *p; p++) {
		char c = *p;
		int okc = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
		buf_addc(&b, okc ? c : '-');
	}
	char *id = buf_take(&b);
	for (int k = 2;; k++) {
		int clash = 0;
		for (size_t i = 0; i < used->n && !clash; i++)
			clash = !strcmp(used->v[i], id);
		if (!clash)
			break;
		char *base = xstrdup(id);
		char *dash = strrchr(base, '-');
		if (k > 2 && dash)
			*dash = 0;
		free(id);
		id = xasprintf("%s-%d", base, k);
		free(base);
	}
	strv_add(used, id);
	return id;
}

/* A relationship, written after the elements. */
static void rel(struct buf *r, const char *a, const char *type, const char *b)
{
	buf_addf(r, "%s %s %s\n", a, type, b);
}

/* purl's encoding of a version: ':' and '+' (Debian epochs and suffixes). */
static char *purl_version(const char *v)
{
	struct buf b = {0};
	for (const char *p = v; *p; p++) {
		if (*p == ':')
			buf_adds(&b, "%3A");
		else if (*p == '+')
			buf_adds(&b, "%2B");
		else
			buf_addc(&b, *p);
	}
	return buf_take(&b);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode a manifest path (\xHH escapes, docs/manifest.md) into a new string. */
static char *unescape(const char *s, size_t n)
{
	struct buf b = {0};
	buf_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 && hexval(s[i + 3]) >= 0) {
			buf_addc(&b, hexval(s[i + 2]) * 16 + hexval(s[i + 3]));
			i += 3;
		} else {
			buf_addc(&b, s[i]);
		}
	}
	return buf_take(&b);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct srcpkg {
	const char *file;
	char *id;
};

/* The final step's regular files as SPDX files; their ids into fids, their
 * SHA1s into sha1s (for the verification code). */
static int write_files(struct js *j, struct strv *used, const char *outdir, const char *manifest, struct strv *fids,
		       struct strv *sha1s)
{
	int r = 0;
	for (const char *l = manifest; l && *l && !r;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (len > 2 && l[0] == 'f' && l[1] == ' ') {
			/* f MODE SIZE SHA256 PATH */
			const char *f = l;
			for (int k = 0; k < 4 && f; k++) {
				f = memchr(f, ' ', len - (size_t)(f - l));
				if (f)
					f++;
			}
			if (!f || f - l < 66) {
				r = errf(SPROUT_ERR_FORMAT, "malformed manifest line in %s: %.*s", outdir, (int)len, l);
				break;
			}
			char sha256[65];
			memcpy(sha256, f - 65, 64);
			sha256[64] = 0;
			char *path = unescape(f, len - (size_t)(f - l));
			char *full = path_join(outdir, path);
			char sha1[41];
			r = sha1_file_hex(full, sha1);
			if (r) {
				r = errf(r, "%s: %s", full, err_str(r));
			} else {
				char *id = spdx_id(used, "File", path);
				char *name = xasprintf("./%s", path);
				js_file(j, id, name, NULL, sha1, sha256);
				js_close(j, '}');
				strv_addown(fids, id);
				strv_add(sha1s, sha1);
				free(name);
			}
			free(full);
			free(path);
		}
		l = e ? e + 1 : NULL;
	}
	return r;
}

/* What the document is written from. */
struct sb {
	const struct plan *p;
	const char *arch, *statedir, *tool;
	size_t n;
	int fin;                /* the final step, or -1 */
	char (*keys)[65];
	char (*digests)[65];
	char **ids;             /* per step */
	struct srcpkg *srcs;    /* the source packages written so far */
	size_t nsrcs;
	struct strv used, fids, sha1s;
	struct buf rels;        /* "A TYPE B" per relationship */
	struct buf files;       /* the final step's files, as JSON */
	struct buf manifest;    /* the final step's */
	char nshex[65];         /* the namespace's hash: every key and digest */
	char created[32];
	char vcode[41];         /* the final package's verification code */
};

/* Keys, digests (every step must be built), the final step's manifest, the
 * namespace hash, the creation time and the steps' ids. */
static int sb_load(struct sb *b)
{
	const struct plan *p = b->p;
	struct buf ns = {0};
	int r = 0;
	cache_keys(p, b->arch, b->statedir, b->keys, NULL, NULL);
	for (size_t i = 0; i < b->n && !r; i++) {
		if (cache_digest(b->statedir, b->keys[i], b->digests[i]))
			r = errf(SPROUT_ERR_NOTFOUND,
				 "step '%s' of plan %s is not built for %s (key %.12s); build it first",
				 p->steps[i].name, p->name, b->arch, b->keys[i][0] ? b->keys[i] : "not known");
		else
			buf_addf(&ns, "%s %s\n", b->keys[i], b->digests[i]);
	}
	if (!r && b->fin >= 0) {
		char *mp = state_store(b->statedir, b->keys[b->fin], "manifest");
		r = file_read(mp, &b->manifest);
		if (r)
			r = errf(r, "%s: %s", mp, err_str(r));
		free(mp);
	}
	if (!r) {
		unsigned char d[32];
		sha256_buf(ns.s, ns.len, d);
		sha256_hex(d, b->nshex);
		const char *sde = plan_setting(p, "SOURCE_DATE_EPOCH");
		time_t t = sde ? (time_t)strtoll(sde, NULL, 10) : 0;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(b->created, sizeof b->created, "%Y-%m-%dT%H:%M:%SZ", &tm);
		for (size_t i = 0; i < b->n; i++)
			b->ids[i] = spdx_id(&b->used, "Step", p->steps[i].name);
	}
	buf_free(&ns);
	return r;
}

/* The final rootfs's files first (into their own buffer): the final
 * package needs their ids and verification code. */
static int sb_final_files(struct sb *b)
{
	struct js fj;
	memset(&fj, 0, sizeof fj);
	fj.b = &b->files;
	fj.depth = 2; /* the document's object, then its "files" array */
	fj.first[2] = 1;
	char *outdir = state_store(b->statedir, b->keys[b->fin], "out");
	int r = write_files(&fj, &b->used, outdir, b->manifest.s, &b->fids, &b->sha1s);
	free(outdir);
	if (r)
		return r;
	/* SPDX's package verification code: SHA1 of the sorted file SHA1s. */
	struct sha1 c;
	unsigned char h[20];
	if (b->sha1s.n)
		qsort(b->sha1s.v, b->sha1s.n, sizeof *b->sha1s.v, cmp_str);
	sha1_init(&c);
	for (size_t i = 0; i < b->sha1s.n; i++)
		sha1_update(&c, b->sha1s.v[i], 40);
	sha1_final(&c, h);
	sha1_hex(h, b->vcode);
	return 0;
}

/* The document's own fields, up to "documentDescribes". */
static void sb_header(struct sb *b, struct js *j)
{
	const struct plan *p = b->p;
	js_str(j, "spdxVersion", "SPDX-2.3");
	js_str(j, "dataLicense", "CC0-1.0");
	js_str(j, "SPDXID", "SPDXRef-DOCUMENT");
	char *name = xasprintf("sprout %s %s", p->name, b->arch);
	js_str(j, "name", name);
	free(name);
	char *nsuri = xasprintf("https://sprout.invalid/spdx/%s/%s/%s", p->name, b->arch, b->nshex);
	js_str(j, "documentNamespace", nsuri);
	free(nsuri);
	js_open(j, "creationInfo", '{');
	js_str(j, "created", b->created);
	js_open(j, "creators", '[');
	js_str(j, NULL, b->tool);
	js_close(j, ']');
	struct buf cm = {0};
	buf_addf(&cm, "A build of sprout plan %s for %s. 'created' is the plan's SOURCE_DATE_EPOCH, so that the "
		      "same build gives the same document. Plan settings:", p->name, b->arch);
	for (size_t i = 0; i < p->nsets; i++) {
		buf_addf(&cm, " %s=%s", p->sets[i].key, p->sets[i].value);
		if (p->sets[i].stage)
			buf_addf(&cm, " (stage %s)", p->sets[i].stage);
	}
	buf_adds(&cm, ".");
	js_str(j, "comment", cm.s);
	buf_free(&cm);
	js_close(j, '}');
	js_open(j, "documentDescribes", '[');
	for (size_t i = 0; i < b->n; i++)
		if (b->fin < 0 || (int)i == b->fin)
			js_str(j, NULL, b->ids[i]);
	js_close(j, ']');
}

/* The package of step i. */
static void sb_step_package(struct sb *b, struct js *j, size_t i)
{
	const struct plan *p = b->p;
	const struct step *s = &p->steps[i];
	const struct recipe *rc = s->recipe;
	js_open(j, NULL, '{');
	js_str(j, "SPDXID", b->ids[i]);
	js_str(j, "name", rc->name);
	js_str(j, "versionInfo", rc->version);
	js_str(j, "downloadLocation", "NOASSERTION");
	js_bool(j, "filesAnalyzed", (int)i == b->fin);
	if ((int)i == b->fin) {
		js_open(j, "packageVerificationCode", '{');
		js_str(j, "packageVerificationCodeValue", b->vcode);
		js_close(j, '}');
		js_open(j, "hasFiles", '[');
		for (size_t k = 0; k < b->fids.n; k++)
			js_str(j, NULL, b->fids.v[k]);
		js_close(j, ']');
		js_str(j, "primaryPackagePurpose", "OPERATING_SYSTEM");
	}
	js_str(j, "licenseConcluded", "NOASSERTION");
	js_str(j, "licenseDeclared", rc->license);
	js_str(j, "copyrightText", "NOASSERTION");
	if (rc->description)
		js_str(j, "summary", rc->description);
	struct buf cm = {0};
	buf_addf(&cm, "sprout step %s of plan %s (stage %s, recipe %s, build script '%s'), for %s; key %s; "
		      "output digest %s (the sha256 of its manifest, docs/manifest.md).",
		 s->name, p->name, p->stages[s->stage].name, rc->name, s->build_name, b->arch, b->keys[i], b->digests[i]);
	if (rc->npatches) {
		buf_adds(&cm, " Patches given to the build (in patches/, applied as its script says):");
		for (size_t k = 0; k < rc->npatches; k++)
			buf_addf(&cm, " %s", rc->patches[k].file);
		buf_adds(&cm, ".");
	}
	js_str(j, "comment", cm.s);
	buf_free(&cm);
	js_close(j, '}');
}

/* A source's origins and audit rules, for its sourceInfo; its first URL
 * into *dl ("NOASSERTION" when it has none). */
static void source_info(const struct recipe *rc, const struct source *src, struct buf *info, const char **dl)
{
	*dl = "NOASSERTION";
	buf_adds(info, "Origins, tried in this order after sprout's distfiles store:");
	for (size_t o = 0; o < src->norigins; o++) {
		const struct origin *org = &src->origins[o];
		if (org->kind == ORIGIN_URL && !strcmp(*dl, "NOASSERTION"))
			*dl = org->a;
		if (org->kind == ORIGIN_URL)
			buf_addf(info, " %s;", org->a);
		else if (org->kind == ORIGIN_DEBIAN)
			buf_addf(info, " the Debian source package %s %s;", org->a, org->b);
		else if (!strncmp(org->a, "../", 3) && strchr(org->a + 3, '/'))  /* shared RECIPE PATH */
			buf_addf(info, " the file %s beside the recipe %.*s;", strchr(org->a + 3, '/') + 1,
				 (int)(strchr(org->a + 3, '/') - org->a - 3), org->a + 3);
		else
			buf_addf(info, " the file %s beside the recipe %s;", org->a, rc->name);
	}
	info->s[info->len - 1] = '.';
	for (size_t q = 0; q < src->ninner; q++)
		buf_addf(info, " Unpacked with it: the inner archive %s.", src->inner[q].path);
	for (size_t q = 0; q < src->nrules; q++) {
		const struct source_rule *ru = &src->rules[q];
		buf_addf(info, " Audit: %s %s%s%s.", recipe_rule_action(ru->action), ru->glob, ru->reason ? ": " : "",
			 ru->reason ? ru->reason : "");
	}
}

/* A purl per Debian origin of src. */
static void source_refs(struct js *j, const struct source *src)
{
	int refs = 0;
	for (size_t o = 0; o < src->norigins; o++) {
		const struct origin *org = &src->origins[o];
		if (org->kind != ORIGIN_DEBIAN)
			continue;
		if (!refs++)
			js_open(j, "externalRefs", '[');
		char *v = purl_version(org->b);
		char *purl = xasprintf("pkg:deb/debian/%s@%s?arch=source", org->a, v);
		js_open(j, NULL, '{');
		js_str(j, "referenceCategory", "PACKAGE-MANAGER");
		js_str(j, "referenceType", "purl");
		js_str(j, "referenceLocator", purl);
		js_close(j, '}');
		free(v);
		free(purl);
	}
	if (refs)
		js_close(j, ']');
}

/* The package of source src of recipe rc, which step i was built from;
 * one per file name (the distfiles store is one namespace). */
static void sb_source_package(struct sb *b, struct js *j, size_t i, const struct recipe *rc, const struct source *src)
{
	size_t m = 0;
	while (m < b->nsrcs && strcmp(b->srcs[m].file, src->file))
		m++;
	if (m < b->nsrcs) {
		rel(&b->rels, b->ids[i], "GENERATED_FROM", b->srcs[m].id);
		return;
	}
	b->srcs = xrealloc(b->srcs, (b->nsrcs + 1) * sizeof *b->srcs);
	b->srcs[m].file = src->file;
	b->srcs[m].id = spdx_id(&b->used, "Source", src->file);
	rel(&b->rels, b->ids[i], "GENERATED_FROM", b->srcs[m].id);
	b->nsrcs++;
	const char *dl;
	struct buf info = {0};
	source_info(rc, src, &info, &dl);
	char hex[65];
	sha256_hex(src->sha256, hex);
	js_open(j, NULL, '{');
	js_str(j, "SPDXID", b->srcs[m].id);
	js_str(j, "name", src->file);
	js_str(j, "versionInfo", rc->version);
	js_str(j, "packageFileName", src->file);
	js_str(j, "downloadLocation", dl);
	js_bool(j, "filesAnalyzed", 0);
	js_open(j, "checksums", '[');
	js_checksum(j, "SHA256", hex);
	js_close(j, ']');
	js_str(j, "licenseConcluded", "NOASSERTION");
	js_str(j, "licenseDeclared", rc->license);
	js_str(j, "copyrightText", "NOASSERTION");
	js_str(j, "sourceInfo", info.s);
	js_str(j, "primaryPackagePurpose", "SOURCE");
	source_refs(j, src);
	js_close(j, '}');
	buf_free(&info);
}

/* The file of patch k of recipe rc, and its PATCH_FOR relationships. */
static int sb_patch(struct sb *b, struct js *j, const struct recipe *rc, size_t k)
{
	char *pp = path_join(rc->dir, rc->patches[k].file);
	char sha1[41], hex[65];
	int r = sha1_file_hex(pp, sha1);
	if (r) {
		r = errf(r, "%s: %s", pp, err_str(r));
		free(pp);
		return r;
	}
	sha256_hex(rc->patches[k].sha256, hex);
	char *pname = xasprintf("%s/%s", rc->name, rc->patches[k].file);
	char *id = spdx_id(&b->used, "Patch", pname);
	char *fname = xasprintf("./recipes/%s", pname);
	js_file(j, id, fname, "SOURCE", sha1, hex);
	js_str(j, "comment", "a patch beside the recipe; its sha256 is part of the step key");
	js_close(j, '}');
	for (size_t s = 0; s < b->n; s++)
		if (b->p->steps[s].recipe == rc)
			rel(&b->rels, id, "PATCH_FOR", b->ids[s]);
	free(id);
	free(fname);
	free(pname);
	free(pp);
	return 0;
}

/* The "files" array: the patches, then the final rootfs's files. */
static int sb_files(struct sb *b, struct js *j, struct buf *out)
{
	int r = 0;
	js_open(j, "files", '[');
	for (size_t i = 0; i < b->p->nrecipes && !r; i++)
		for (size_t k = 0; k < b->p->recipes[i]->npatches && !r; k++)
			r = sb_patch(b, j, b->p->recipes[i], k);
	if (!r && b->files.len) {
		/* Written at this depth without a leading comma. */
		if (!j->first[j->depth])
			buf_addc(out, ',');
		buf_add(out, b->files.s, b->files.len);
		j->first[j->depth] = 0;
	}
	js_close(j, ']');
	return r;
}

/* The "relationships" array: those collected, and the dependencies. */
static void sb_relationships(struct sb *b, struct js *j)
{
	const struct plan *p = b->p;
	js_open(j, "relationships", '[');
	for (size_t i = 0; i < b->n; i++)
		if (b->fin < 0 || (int)i == b->fin)
			rel(&b->rels, "SPDXRef-DOCUMENT", "DESCRIBES", b->ids[i]);
	for (size_t i = 0; i < b->n; i++) {
		const struct step *s = &p->steps[i];
		int rootfs = p->stages[s->stage].rootfs;
		for (size_t k = 0; k < s->ndeps; k++) {
			int dp = s->deps[k];
			/* The root of a native stage is what the build runs in. */
			if (dp == rootfs)
				rel(&b->rels, b->ids[dp], "BUILD_DEPENDENCY_OF", b->ids[i]);
			else
				rel(&b->rels, b->ids[i], "DEPENDS_ON", b->ids[dp]);
		}
	}
	for (const char *l = b->rels.s; l && *l;) {
		const char *e = strchr(l, '\n');
		char a[256], ty[64], c[256];
		if (sscanf(l, "%255s %63s %255s", a, ty, c) == 3) {
			js_open(j, NULL, '{');
			js_str(j, "spdxElementId", a);
			js_str(j, "relationshipType", ty);
			js_str(j, "relatedSpdxElement", c);
			js_close(j, '}');
		}
		l = e ? e + 1 : NULL;
	}
	js_close(j, ']');
}

static void sb_free(struct sb *b)
{
	if (b->ids)
		for (size_t i = 0; i < b->n; i++)
			free(b->ids[i]);
	free(b->ids);
	for (size_t i = 0; i < b->nsrcs; i++)
		free(b->srcs[i].id);
	free(b->srcs);
	free(b->keys);
	free(b->digests);
	strv_free(&b->used);
	strv_free(&b->fids);
	strv_free(&b->sha1s);
	buf_free(&b->rels);
	buf_free(&b->files);
	buf_free(&b->manifest);
}

int sbom_write(const struct plan *p, const char *arch, const char *statedir, const char *tool, struct buf *out)
{
	struct sb b;
	struct js j;
	memset(&b, 0, sizeof b);
	b.p = p;
	b.arch = arch;
	b.statedir = statedir;
	b.tool = tool;
	b.n = p->nsteps;
	b.fin = p->final ? plan_step_index(p, p->final) : -1;
	b.keys = xcalloc(b.n, sizeof *b.keys);
	b.digests = xcalloc(b.n, sizeof *b.digests);
	b.ids = xcalloc(b.n, sizeof *b.ids);
	int r = sb_load(&b);
	if (!r && b.fin >= 0)
		r = sb_final_files(&b);
	if (r)
		goto out;
	memset(&j, 0, sizeof j);
	j.b = out;
	j.first[0] = 1;
	js_open(&j, NULL, '{');
	sb_header(&b, &j);
	js_open(&j, "packages", '[');
	for (size_t i = 0; i < b.n; i++)
		sb_step_package(&b, &j, i);
	for (size_t i = 0; i < b.n; i++)
		for (size_t k = 0; k < p->steps[i].recipe->nsources; k++)
			sb_source_package(&b, &j, i, p->steps[i].recipe, &p->steps[i].recipe->sources[k]);
	js_close(&j, ']');
	r = sb_files(&b, &j, out);
	if (r)
		goto out;
	sb_relationships(&b, &j);
	js_close(&j, '}');
	buf_addc(out, '\n');
out:
	sb_free(&b);
	return r;
}
