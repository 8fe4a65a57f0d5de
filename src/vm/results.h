#ifndef SPROUT_VM_RESULTS_H
#define SPROUT_VM_RESULTS_H

/* The results disk of VM mode (docs/modes.md, "The results disk"): a raw
 * block device on which the sprout inside the VM appends each step it
 * finished, as a record: one 512-byte header block of text lines
 * ("sprout-vm-result 1", step, key, digest, secs, size, sha256), then the
 * tar of the step's store directory (STATE/store/KEY: out/, manifest,
 * digest, inputs), padded to 512 bytes. A block that is not a record
 * header ends the list; so does a record whose tar does not hash to its
 * header's sha256 (a write the VM did not finish). */

#include <sys/types.h>

#define VM_RESULTS_MAGIC "sprout-vm-result 1\n"
#define VM_RESULTS_BLOCK 512

struct vm_record {
	char step[128];
	char key[65];
	char digest[65];
	double secs;            /* the step's wall time in the VM */
	long long size;         /* bytes of the tar */
	char sha256[65];        /* of the tar */
	long long offset;       /* of the header in the file read */
};

/* Append the record of step (built with key, output digest, secs) to the
 * results disk fd at *off: the tar of STATE/store/KEY is written to tmp
 * (a scratch file, removed), then the tar, a zero block after it, and the
 * header, each synced, so that a record is whole before it counts.
 * *off moves past the record. 0 or negative code (errf set). */
int vm_results_append(int fd, long long *off, const char *statedir, const char *step, const char *key,
		      const char *digest, double secs, const char *tmp);

/* Read the records of the results disk (or file) at path, the first at
 * byte base (0 for a disk; a partition's start in a disk image): each record's
 * tar goes to DIR/N.tar (N counted from 0) and its header to recs[N]
 * (*recs allocated, the caller frees). *torn is set when the list ended
 * at a record whose tar was not whole. 0 or negative code (errf set). */
int vm_results_read(const char *path, long long base, const char *dir, struct vm_record **recs, size_t *n,
		    int *torn);

/* Parse one header block into rec. 0, or -SPROUT_ERR_FORMAT when b is not
 * a record header (the end of the list). */
int vm_results_parse(const unsigned char b[VM_RESULTS_BLOCK], struct vm_record *rec);

#endif
