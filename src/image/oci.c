/* An OCI image layout (docs/images.md): oci-layout, index.json and three
 * blobs (the config, the manifest and one uncompressed tar layer), with
 * no time but SOURCE_DATE_EPOCH and no field that varies between runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "archive/tar.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/util.h"
#include "image/image_int.h"

/* Write data as a blob of layout out; hex gets its sha256. */
static int put_blob(const char *out, const char *data, size_t n, char hex[65])
{
	unsigned char d[32];
	sha256_buf(data, n, d);
	sha256_hex(d, hex);
	char *p = xasprintf("%s/blobs/sha256/%s", out, hex);
	int r = file_write_atomic(p, data, n);
	if (r)
		r = errf(r, "%s: %s", p, err_str(r));
	free(p);
	return r;
}

/* Append the descriptor of a blob (image-spec's descriptor.md): its media
 * type application/vnd.oci.image.MEDIA, its digest and size, then more
 * (further fields, each after a comma). */
static void descriptor(struct buf *b, const char *media, const char *hex, long long size, const char *more)
{
	buf_addf(b, "{\"mediaType\":\"application/vnd.oci.image.%s\",\"digest\":\"sha256:%s\",\"size\":%lld%s}", media,
		 hex, size, more);
}

static const char *oci_arch(const char *arch)
{
	if (!strcmp(arch, "x86_64"))
		return "amd64";
	if (!strcmp(arch, "aarch64"))
		return "arm64";
	return arch;
}

int image_oci(const struct image_spec *s, const char *out, char manifest[65])
{
	char layer[65], config[65], created[32];
	unsigned char d[32];
	struct stat st;
	struct buf cfg = {0}, man = {0}, idx = {0};
	char *tarp = path_join(s->workdir, "layer.tar"), *blob = NULL, *p = NULL;
	int r = rm_rf(out);
	if (!r) {
		p = xasprintf("%s/blobs/sha256", out);
		r = mkdir_p(p, 0755);
	}
	if (r) {
		r = errf(r, "%s: %s", out, err_str(r));
		goto out;
	}
	r = tar_write_tree(s->rootfs, tarp, s->epoch);
	if (!r)
		r = sha256_file(tarp, d);
	if (!r && stat(tarp, &st) < 0)
		r = -errno;
	if (r) {
		r = errf(r, "%s: %s", tarp, err_msg(r));
		goto out;
	}
	sha256_hex(d, layer);
	blob = xasprintf("%s/%s", p, layer);
	if (rename(tarp, blob) < 0) {
		r = errf(-errno, "%s: %s", blob, strerror(errno));
		goto out;
	}
	time_t t = (time_t)s->epoch;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_addf(&cfg,
		 "{\"architecture\":\"%s\",\"os\":\"linux\",\"created\":\"%s\","
		 "\"config\":{\"Env\":[\"PATH=/usr/bin:/usr/sbin\"],\"Cmd\":[\"/bin/sh\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]},"
		 "\"history\":[{\"created\":\"%s\",\"created_by\":\"sprout image --format oci\"}]}",
		 oci_arch(s->arch), created, layer, created);
	r = put_blob(out, cfg.s, cfg.len, config);
	if (r)
		goto out;
	buf_adds(&man, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":");
	descriptor(&man, "config.v1+json", config, (long long)cfg.len, "");
	buf_adds(&man, ",\"layers\":[");
	descriptor(&man, "layer.v1.tar", layer, (long long)st.st_size, "");
	buf_adds(&man, "]}");
	r = put_blob(out, man.s, man.len, manifest);
	if (r)
		goto out;
	buf_adds(&idx, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
	descriptor(&idx, "manifest.v1+json", manifest, (long long)man.len,
		   ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}");
	buf_adds(&idx, "]}");
	free(p);
	p = path_join(out, "index.json");
	r = file_write_atomic(p, idx.s, idx.len);
	if (!r) {
		free(p);
		p = path_join(out, "oci-layout");
		const char *lay = "{\"imageLayoutVersion\":\"1.0.0\"}";
		r = file_write_atomic(p, lay, strlen(lay));
	}
	if (r)
		r = errf(r, "%s: %s", p, err_str(r));
out:
	buf_free(&cfg);
	buf_free(&man);
	buf_free(&idx);
	free(tarp);
	free(blob);
	free(p);
	return r;
}
