#ifndef SPROUT_IMAGE_INT_H
#define SPROUT_IMAGE_INT_H

/* Shared inside src/image/ only. */

#include "image/image.h"

/* Run argv (argv[0] an absolute path) with exactly the environment envp,
 * stdin from /dev/null and its output in the file log; with userns, in a
 * new user namespace where the caller is uid and gid 0 (so that a tree the
 * caller owns reads as root's, rootless or not). 0, or a negative code
 * with errf() quoting the log's last line. */
int image_run(char *const argv[], char *const envp[], const char *log, int userns);

/* Write the ext4 file system of the tree at dir into out (made anew),
 * sized from the tree. 0 or negative code. */
int image_ext4(const struct image_spec *s, const char *dir, const char *out);

/* Write the GPT disk of s: an EFI system partition with the kernel, and
 * the ext4 file system at ext4 as the root partition. 0 or negative code. */
int image_disk(const struct image_spec *s, const char *ext4, const char *out);

/* Write the OCI image layout of s into the directory out; manifest gets
 * the manifest's sha256. 0 or negative code. */
int image_oci(const struct image_spec *s, const char *out, char manifest[65]);

/* Parse a GUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into its on-disk
 * form (the first three fields little-endian). 0 or -EINVAL. */
int image_guid(const char *s, unsigned char out[16]);

#endif
