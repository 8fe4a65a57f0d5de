# The small tool commands: hash, extract, tar.
. "$TOP/tests/e2e/lib.sh"
cd "$T" || exit 1
printf 'abc' >abc
check "hash prints sha256sum's line" test "$(sprout hash abc)" = "$(sha256sum abc)"
fails "hash of a missing file fails" sprout hash nothere
mkdir -p src/d/e
printf 'one\n' >src/d/one
printf 'two\n' >src/d/e/two
ln -s one src/d/link
chmod 750 src/d/e
touch -d @1500000000 src/d/one
touch -h -d @1500000000 src/d/link
check "tar writes an archive" sprout tar src out1.tar --mtime 1600000000
touch src/d/e/two   # a newer time is clamped away
check "tar again" sprout tar src out2.tar --mtime 1600000000
check "the same tree gives the same bytes" cmp out1.tar out2.tar
check "members are sorted, owned by 0/0" sh -c "tar tvf out1.tar | awk '{print \$2, \$6}' | tr '\n' ' ' | grep -qx '0/0 d/ 0/0 d/e/ 0/0 d/e/two 0/0 d/link 0/0 d/one '"
check "times are clamped to --mtime" sh -c "tar tvf out1.tar --full-time | grep -q '2020-09-13 12:26:40 d/e/two'"
check "older times are kept" sh -c "tar tvf out1.tar --full-time | grep -q '2017-07-14 02:40:00 d/one'"
mkdir x
check "extract reads it back" sprout extract out1.tar x
check "  ... contents" sh -c "cat x/d/one x/d/e/two | tr '\n' ' ' | grep -qx 'one two '"
check "  ... symlink" test "$(readlink x/d/link)" = one
check "  ... modes" test "$(stat -c %a x/d/e)" = 750
check "  ... file mtimes from the archive" test "$(stat -c %Y x/d/one)" = 1500000000
check "  ... link mtimes from the archive" test "$(stat -c %Y x/d/link)" = 1500000000
gzip -c out1.tar >out1.tar.gz
mkdir y
check "extract sniffs gzip" sprout extract out1.tar.gz y
check "  ... same tree" diff -r x y
