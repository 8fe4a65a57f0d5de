/* The package database (docs/package.md): parse, and what parses must
 * write back to text that parses to the same text (a record is never
 * cut or changed by a rewrite). */
#include "fuzz.h"
#include "pkg/pkgdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkgdb db;
	memset(&db, 0, sizeof db);
	err_clear();
	int r = pkgdb_parse((const char *)data, size, &db);
	if (r) {
		fuzz_msg_ok(r);
		pkgdb_free(&db);
		return 0;
	}
	struct buf once = {0}, twice = {0};
	pkgdb_format(&db, &once);
	pkgdb_free(&db);
	memset(&db, 0, sizeof db);
	if (pkgdb_parse(once.s ? once.s : "", once.len, &db))
		abort();        /* what we write, we read */
	pkgdb_format(&db, &twice);
	if (once.len != twice.len || (once.len && memcmp(once.s, twice.s, once.len)))
		abort();        /* and a rewrite changes nothing */
	pkgdb_free(&db);
	buf_free(&once);
	buf_free(&twice);
	return 0;
}
