#ifndef SPROUT_IMAGE_H
#define SPROUT_IMAGE_H

/* Images of a root tree (docs/images.md): tar, a gzip'd cpio initramfs,
 * ext4, an OCI image layout, and a bootable GPT disk. Each is the same
 * bytes from the same inputs, as root and rootless. */

enum image_format {
	IMAGE_TAR,
	IMAGE_CPIO,
	IMAGE_EXT4,
	IMAGE_OCI,
	IMAGE_DISK,
};

struct image_spec {
	enum image_format format;
	const char *rootfs;     /* the tree */
	const char *overlay;    /* ext4, disk: a tree merged over rootfs (the boot overlay), or NULL */
	long long epoch;        /* SOURCE_DATE_EPOCH: every time is at most this */
	const char *arch;       /* oci (the config's architecture), disk (the partition types, the
				 * name of the EFI application) */
	const char *kernel;     /* disk: the EFI-stub kernel */
	const char *cmdline;    /* disk: the kernel's command line, written beside it for reference */
	const char *mke2fs;     /* ext4, disk: the mke2fs to run (1.47.1 or later) */
	const char *mke2fs_conf;/* ext4, disk: its configuration (MKE2FS_CONFIG) */
	const char *workdir;    /* scratch space (created, emptied, removed) */
	long long results_mib;  /* disk: a third partition of this many MiB of zeros, for the
				 * results of bare-metal mode (docs/modes.md); 0 for none */
};

/* The format named name ("tar", "cpio", "ext4", "oci", "disk"), or -1. */
int image_format_parse(const char *name);
/* The name of format f (static). */
const char *image_format_name(enum image_format f);

/* Write the image of s to out (a file; for IMAGE_OCI a directory, made
 * anew). digest gets the sha256 in hex that names it: of the file, or
 * for oci of its manifest. 0 or negative code (errf set). */
int image_write(const struct image_spec *s, const char *out, char digest[65]);

/* The fixed identities of sprout's images (docs/images.md): the ext4 file
 * system's UUID and hash seed, the GPT disk's GUID and its partitions'. */
#define IMAGE_FS_UUID "73707274-0000-4000-8000-000000000100"
#define IMAGE_DISK_GUID "73707274-0000-4000-8000-000000000000"
#define IMAGE_ESP_GUID "73707274-0000-4000-8000-000000000001"
#define IMAGE_ROOT_GUID "73707274-0000-4000-8000-000000000002"
#define IMAGE_RESULTS_GUID "73707274-0000-4000-8000-000000000003"

/* Where the partition of unique GUID guid is in the GPT disk image at
 * path: its first byte and size into *off and *size. 0, or a negative
 * code (errf set) when path has no such partition. */
int image_disk_partition(const char *path, const char *guid, long long *off, long long *size);

#endif
