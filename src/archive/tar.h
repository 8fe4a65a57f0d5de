#ifndef SPROUT_TAR_H
#define SPROUT_TAR_H

/* Extract the tar archive at path (compression sniffed: none, gzip, bzip2,
 * xz, zstd) into the existing directory dest. ustar, pax (long names and
 * large sizes) and GNU long names are read. A member with an absolute path,
 * a ".." component, or a symlink or hard link that would lead outside dest,
 * or a member written through a symlink, is refused with SPROUT_ERR_UNSAFE and
 * errf() naming the member. Regular files, directories, symlinks and hard
 * links are created; devices and fifos are refused. Modes are kept (masked
 * to 0777 | sticky), owners are not. A pax mtime other than [-]DIGITS[.DIGITS]
 * within +-10^11 s is SPROUT_ERR_FORMAT. On an error the member being written is
 * removed (members before it stay). 0 or negative code. */
int tar_extract(const char *path, const char *dest);

/* Write a deterministic ustar/pax archive (uncompressed) of the tree at dir
 * to the file out: members sorted bytewise by path, uid/gid 0 and empty
 * owner names, mtime min(file mtime, mtime_clamp), regular files,
 * directories and symlinks. 0 or negative code. */
int tar_write_tree(const char *dir, const char *out, long long mtime_clamp);

#endif
