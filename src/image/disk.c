/* A bootable GPT disk (docs/images.md): a protective MBR, the GPT and its
 * backup, an EFI system partition (FAT16, written here) holding the
 * EFI-stub kernel as EFI/BOOT/BOOTX64.EFI or BOOTAA64.EFI, and the root
 * partition (the ext4 image). Every GUID, time and serial number is fixed. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/util.h"
#include "image/image_int.h"

#define SECTOR 512
#define ALIGN_LBA 2048                  /* partitions start on MiB boundaries */
#define ESP_SECTORS (64u * 2048)        /* 64 MiB */
#define GPT_ENTRIES 128
#define GPT_ENTRY_SIZE 128
#define GPT_ENTRY_SECTORS (GPT_ENTRIES * GPT_ENTRY_SIZE / SECTOR)

/* FAT16 geometry of the ESP: 2 KiB clusters, 512 root entries. */
#define FAT_RESERVED 4
#define FAT_SPC 4
#define FAT_ROOT_ENTRIES 512
#define FAT_SECTORS 128
#define FAT_ROOT_SECTORS (FAT_ROOT_ENTRIES * 32 / SECTOR)
#define FAT_DATA (FAT_RESERVED + 2 * FAT_SECTORS + FAT_ROOT_SECTORS)
#define FAT_CLUSTERS ((ESP_SECTORS - FAT_DATA) / FAT_SPC)
#define FAT_CLUSTER_BYTES (FAT_SPC * SECTOR)

static const char ESP_TYPE[] = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
/* The Discoverable Partitions Specification's root partition types. */
static const char ROOT_X86_64[] = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";
static const char ROOT_AARCH64[] = "b921b045-1df0-41c3-af44-4c6f280d3fae";
static const char LINUX_DATA[] = "0fc63daf-8483-4772-8e79-3d69d8477de4";

static void le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

struct fat {
	unsigned char *img;     /* the whole partition */
	unsigned next;          /* next free cluster */
	unsigned date, time;    /* DOS date and time of every entry */
};

static unsigned char *cluster(struct fat *f, unsigned c)
{
	return f->img + (size_t)(FAT_DATA + (c - 2) * FAT_SPC) * SECTOR;
}

/* Allocate a chain of clusters for bytes (at least one), in both FATs. */
static int fat_alloc(struct fat *f, size_t bytes, unsigned *first)
{
	size_t n = bytes ? (bytes + FAT_CLUSTER_BYTES - 1) / FAT_CLUSTER_BYTES : 1;
	if (f->next + n > FAT_CLUSTERS + 2)
		return errf(-ENOSPC, "the EFI system partition is full (%u MiB)", ESP_SECTORS / 2048);
	*first = f->next;
	for (size_t i = 0; i < n; i++) {
		unsigned c = f->next + (unsigned)i;
		unsigned v = i + 1 < n ? c + 1 : 0xffff;
		for (int k = 0; k < 2; k++)
			le16(f->img + (size_t)(FAT_RESERVED + k * FAT_SECTORS) * SECTOR + 2 * c, v);
	}
	f->next += (unsigned)n;
	return 0;
}

static void fat_dirent(const struct fat *f, unsigned char *e, const char *name83, int dir, unsigned clus,
		       uint32_t size)
{
	/* name83 is "NAME.EXT" or "NAME", upper case; "." and ".." as they are. */
	memset(e, ' ', 11);
	const char *dot = strcmp(name83, ".") && strcmp(name83, "..") ? strchr(name83, '.') : NULL;
	size_t nl = dot ? (size_t)(dot - name83) : strlen(name83);
	memcpy(e, name83, nl > 8 ? 8 : nl);
	if (dot)
		memcpy(e + 8, dot + 1, strlen(dot + 1) > 3 ? 3 : strlen(dot + 1));
	e[11] = dir ? 0x10 : 0x20;
	memset(e + 12, 0, 20);
	le16(e + 14, f->time);
	le16(e + 16, f->date);
	le16(e + 18, f->date);
	le16(e + 22, f->time);
	le16(e + 24, f->date);
	le16(e + 26, clus);
	le32(e + 28, size);
}

static void fat_boot_sector(unsigned char *b)
{
	static const unsigned char jmp[3] = {0xeb, 0x3c, 0x90};
	memcpy(b, jmp, 3);
	memcpy(b + 3, "SPROUT  ", 8);
	le16(b + 11, SECTOR);
	b[13] = FAT_SPC;
	le16(b + 14, FAT_RESERVED);
	b[16] = 2;
	le16(b + 17, FAT_ROOT_ENTRIES);
	le16(b + 19, 0);                /* the count is in the 32-bit field */
	b[21] = 0xf8;
	le16(b + 22, FAT_SECTORS);
	le16(b + 24, 32);
	le16(b + 26, 64);
	le32(b + 28, ALIGN_LBA);
	le32(b + 32, ESP_SECTORS);
	b[36] = 0x80;
	b[38] = 0x29;
	le32(b + 39, 0x73707274);       /* "sprt": the volume serial number */
	memcpy(b + 43, "SPROUT-ESP ", 11);
	memcpy(b + 54, "FAT16   ", 8);
	b[510] = 0x55;
	b[511] = 0xaa;
}

/* The ESP's file system with EFI/BOOT/<app> (the kernel) and
 * EFI/BOOT/CMDLINE.TXT into f->img. */
static int fat_build(struct fat *f, const char *app, const struct buf *kernel, const char *cmdline)
{
	unsigned char *img = f->img;
	unsigned efi, boot, k, c;
	size_t cl = strlen(cmdline);
	fat_boot_sector(img);
	for (int i = 0; i < 2; i++) {
		unsigned char *fat = img + (size_t)(FAT_RESERVED + i * FAT_SECTORS) * SECTOR;
		le16(fat, 0xfff8);
		le16(fat + 2, 0xffff);
	}
	f->next = 2;
	int r = fat_alloc(f, 0, &efi);
	if (!r)
		r = fat_alloc(f, 0, &boot);
	if (!r)
		r = fat_alloc(f, kernel->len, &k);
	if (!r)
		r = fat_alloc(f, cl, &c);
	if (r)
		return r;
	unsigned char *root = img + (size_t)(FAT_RESERVED + 2 * FAT_SECTORS) * SECTOR;
	/* The volume label, as the boot sector has it. */
	fat_dirent(f, root, "SPROUT-E.SP", 0, 0, 0);
	memcpy(root, "SPROUT-ESP ", 11);
	root[11] = 0x08;
	root += 32;
	fat_dirent(f, root, "EFI", 1, efi, 0);
	fat_dirent(f, cluster(f, efi), ".", 1, efi, 0);
	fat_dirent(f, cluster(f, efi) + 32, "..", 1, 0, 0);
	fat_dirent(f, cluster(f, efi) + 64, "BOOT", 1, boot, 0);
	fat_dirent(f, cluster(f, boot), ".", 1, boot, 0);
	fat_dirent(f, cluster(f, boot) + 32, "..", 1, efi, 0);
	fat_dirent(f, cluster(f, boot) + 64, app, 0, k, (uint32_t)kernel->len);
	fat_dirent(f, cluster(f, boot) + 96, "CMDLINE.TXT", 0, c, (uint32_t)cl);
	memcpy(cluster(f, k), kernel->s, kernel->len);
	memcpy(cluster(f, c), cmdline, cl);
	return 0;
}

static int gpt_entry(unsigned char *e, const char *type, const char *uuid, uint64_t first, uint64_t last,
		     const char *name)
{
	int r = image_guid(type, e);
	if (!r)
		r = image_guid(uuid, e + 16);
	le64(e + 32, first);
	le64(e + 40, last);
	for (size_t i = 0; name[i] && i < 36; i++)
		le16(e + 56 + 2 * i, (unsigned char)name[i]);
	return r;
}

static void gpt_header(unsigned char *h, const unsigned char guid[16], uint64_t self, uint64_t alt, uint64_t total,
		       uint64_t entries, uint32_t ecrc)
{
	memcpy(h, "EFI PART", 8);
	le32(h + 8, 0x00010000);
	le32(h + 12, 92);
	le64(h + 24, self);
	le64(h + 32, alt);
	le64(h + 40, 2 + GPT_ENTRY_SECTORS);
	le64(h + 48, total - 2 - GPT_ENTRY_SECTORS);
	memcpy(h + 56, guid, 16);
	le64(h + 72, entries);
	le32(h + 80, GPT_ENTRIES);
	le32(h + 84, GPT_ENTRY_SIZE);
	le32(h + 88, ecrc);
	le32(h + 16, crc32(h, 92));
}

/* Where copy_into writes next. */
struct copy_into {
	int fd;
	long long off;
};

static int copy_piece(void *arg, const void *p, size_t n)
{
	struct copy_into *ci = arg;
	int r = fd_pwrite_all(ci->fd, p, n, ci->off);
	ci->off += (long long)n;
	return r;
}

/* Copy the file at path into fd at off. */
static int copy_into(int fd, const char *path, off_t off)
{
	struct copy_into ci = {fd, (long long)off};
	int in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	char *b = xmalloc(1 << 20);
	int r = fd_each_chunk(in, b, 1 << 20, copy_piece, &ci);
	free(b);
	close(in);
	return r;
}

static void dos_time(long long epoch, unsigned *date, unsigned *tm_)
{
	time_t t = (time_t)(epoch < 315532800 ? 315532800 : epoch); /* FAT starts in 1980 */
	struct tm tm;
	gmtime_r(&t, &tm);
	*date = (unsigned)(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
	*tm_ = (unsigned)((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
}

/* The tables: protective MBR, primary and backup GPT, into fd; the
 * results partition when res_sectors is not 0. */
static int write_tables(int fd, const struct image_spec *s, uint64_t root_lba, uint64_t root_sectors, uint64_t res_lba,
			uint64_t res_sectors, uint64_t total)
{
	unsigned char mbr[SECTOR] = {0}, hdr[SECTOR], guid[16];
	unsigned char *ents = xcalloc(GPT_ENTRY_SECTORS, SECTOR);
	int x86 = !strcmp(s->arch, "x86_64");
	int r = gpt_entry(ents, ESP_TYPE, IMAGE_ESP_GUID, ALIGN_LBA, ALIGN_LBA + ESP_SECTORS - 1, "EFI system partition");
	if (!r)
		r = gpt_entry(ents + GPT_ENTRY_SIZE, x86 ? ROOT_X86_64 : ROOT_AARCH64, IMAGE_ROOT_GUID, root_lba,
			      root_lba + root_sectors - 1, "sprout root");
	if (!r && res_sectors)
		r = gpt_entry(ents + 2 * GPT_ENTRY_SIZE, LINUX_DATA, IMAGE_RESULTS_GUID, res_lba, res_lba + res_sectors - 1,
			      "sprout results");
	if (!r)
		r = image_guid(IMAGE_DISK_GUID, guid);
	if (r)
		goto out;
	uint32_t ecrc = crc32(ents, GPT_ENTRY_SECTORS * SECTOR);
	/* The protective MBR: one partition of type 0xee over the disk. */
	mbr[446 + 2] = 0x02;
	mbr[446 + 4] = 0xee;
	mbr[446 + 5] = mbr[446 + 6] = mbr[446 + 7] = 0xff;
	le32(mbr + 446 + 8, 1);
	le32(mbr + 446 + 12, total - 1 > 0xffffffffu ? 0xffffffffu : (uint32_t)(total - 1));
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	r = fd_pwrite_all(fd, mbr, SECTOR, 0);
	memset(hdr, 0, sizeof hdr);
	gpt_header(hdr, guid, 1, total - 1, total, 2, ecrc);
	if (!r)
		r = fd_pwrite_all(fd, hdr, SECTOR, SECTOR);
	if (!r)
		r = fd_pwrite_all(fd, ents, GPT_ENTRY_SECTORS * SECTOR, 2 * SECTOR);
	memset(hdr, 0, sizeof hdr);
	gpt_header(hdr, guid, total - 1, 1, total, total - 1 - GPT_ENTRY_SECTORS, ecrc);
	if (!r)
		r = fd_pwrite_all(fd, ents, GPT_ENTRY_SECTORS * SECTOR, (off_t)(total - 1 - GPT_ENTRY_SECTORS) * SECTOR);
	if (!r)
		r = fd_pwrite_all(fd, hdr, SECTOR, (off_t)(total - 1) * SECTOR);
out:
	free(ents);
	return r;
}

int image_disk(const struct image_spec *s, const char *ext4, const char *out)
{
	struct stat st;
	struct buf kernel = {0};
	struct fat f;
	int fd = -1;
	memset(&f, 0, sizeof f);
	if (!s->kernel)
		return errf(SPROUT_ERR_NOTFOUND, "no kernel for the disk image");
	int r = file_read(s->kernel, &kernel);
	if (r)
		return errf(r, "%s: %s", s->kernel, err_str(r));
	if (stat(ext4, &st) < 0) {
		r = errf(-errno, "%s: %s", ext4, strerror(errno));
		goto out;
	}
	uint64_t root_lba = ALIGN_LBA + ESP_SECTORS;
	uint64_t root_sectors = ((uint64_t)st.st_size + SECTOR - 1) / SECTOR;
	uint64_t res_lba = root_lba + (root_sectors + ALIGN_LBA - 1) / ALIGN_LBA * ALIGN_LBA;
	uint64_t res_sectors = s->results_mib > 0 ? (uint64_t)s->results_mib * 2048 : 0;
	uint64_t total = res_lba + res_sectors + ALIGN_LBA;
	f.img = xcalloc(ESP_SECTORS, SECTOR);
	dos_time(s->epoch, &f.date, &f.time);
	r = fat_build(&f, !strcmp(s->arch, "x86_64") ? "BOOTX64.EFI" : "BOOTAA64.EFI", &kernel,
		      s->cmdline ? s->cmdline : "");
	if (r)
		goto out;
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)(total * SECTOR)) < 0) {
		r = errf(-errno, "%s: %s", out, strerror(errno));
		goto out;
	}
	r = write_tables(fd, s, root_lba, root_sectors, res_lba, res_sectors, total);
	if (!r)
		r = fd_pwrite_all(fd, f.img, (size_t)ESP_SECTORS * SECTOR, (off_t)ALIGN_LBA * SECTOR);
	if (!r)
		r = copy_into(fd, ext4, (off_t)(root_lba * SECTOR));
	if (r)
		r = errf(r, "%s: %s", out, err_str(r));
out:
	if (fd >= 0 && close(fd) < 0 && !r)
		r = errf(-errno, "%s: %s", out, strerror(errno));
	if (r && fd >= 0)
		unlink(out);
	free(f.img);
	buf_free(&kernel);
	return r;
}

int image_disk_partition(const char *path, const char *guid, long long *off, long long *size)
{
	unsigned char want[16], *ents = xcalloc(GPT_ENTRY_SECTORS, SECTOR), hdr[SECTOR];
	int found = 0, r = image_guid(guid, want);
	int fd = r ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	if (!r && fd < 0)
		r = errf(-errno, "%s: %s", path, strerror(errno));
	if (!r && (pread(fd, hdr, SECTOR, SECTOR) != SECTOR || memcmp(hdr, "EFI PART", 8) ||
		   pread(fd, ents, GPT_ENTRY_SECTORS * SECTOR, 2 * SECTOR) != GPT_ENTRY_SECTORS * SECTOR))
		r = errf(SPROUT_ERR_FORMAT, "%s: not a GPT disk image", path);
	for (int i = 0; !r && i < GPT_ENTRIES; i++) {
		const unsigned char *e = ents + (size_t)i * GPT_ENTRY_SIZE;
		if (memcmp(e + 16, want, 16))
			continue;
		uint64_t first = 0, last = 0;
		for (int k = 7; k >= 0; k--) {
			first = first << 8 | e[32 + k];
			last = last << 8 | e[40 + k];
		}
		*off = (long long)(first * SECTOR);
		*size = (long long)((last - first + 1) * SECTOR);
		found++;
	}
	if (!r && found != 1)
		r = errf(SPROUT_ERR_NOTFOUND, "%s: %s partition %s", path, found ? "more than one" : "no", guid);
	if (fd >= 0)
		close(fd);
	free(ents);
	return r;
}
